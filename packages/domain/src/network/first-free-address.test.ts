import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstFreeAddress } from './first-free-address.js';
import type { IpInterval } from './ip-interval.js';

const interval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
  .map(([a, b]): IpInterval => ({ first: BigInt(Math.min(a, b)), last: BigInt(Math.max(a, b)) }));

describe(firstFreeAddress, () => {
  it('skips taken addresses in any order', () => {
    const taken = [
      { first: 12n, last: 12n },
      { first: 10n, last: 10n },
      { first: 11n, last: 11n },
    ];
    expect(firstFreeAddress({ first: 10n, last: 20n }, taken)).toBe(13n);
  });

  it('returns undefined when everything is taken', () => {
    expect(firstFreeAddress({ first: 1n, last: 3n }, [{ first: 0n, last: 3n }])).toBeUndefined();
  });

  it('finds the hole in a /64 without walking it', () => {
    const base = 0x20010db8n << 96n;
    const last = base + (1n << 64n) - 1n;
    const taken = [
      { first: base, last: last - 1n },
      { first: last, last },
    ];
    expect(firstFreeAddress({ first: base, last }, taken)).toBeUndefined();
    expect(firstFreeAddress({ first: base, last }, [{ first: base, last: last - 5n }])).toBe(last - 4n);
  });

  it('handles 10,000 taken single addresses quickly', () => {
    const taken = Array.from({ length: 10_000 }, (_, i) => ({
      first: BigInt(9_999 - i),
      last: BigInt(9_999 - i),
    }));
    expect(firstFreeAddress({ first: 0n, last: 1n << 64n }, taken)).toBe(10_000n);
  });

  it('equals the brute-force answer', () => {
    fc.assert(
      fc.property(interval, fc.array(interval), (within, taken) => {
        let expected: bigint | undefined;
        for (let a = within.first; a <= within.last && expected === undefined; a += 1n) {
          if (!taken.some((t) => t.first <= a && a <= t.last)) expected = a;
        }
        expect(firstFreeAddress(within, taken)).toBe(expected);
      }),
    );
  });
});
