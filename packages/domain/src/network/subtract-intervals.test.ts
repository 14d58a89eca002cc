import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpInterval } from './ip-interval.js';
import { subtractIntervals } from './subtract-intervals.js';

const interval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
  .map(([a, b]): IpInterval => ({ first: BigInt(Math.min(a, b)), last: BigInt(Math.max(a, b)) }));

const brute = (within: IpInterval, taken: readonly IpInterval[]): bigint[] => {
  const out: bigint[] = [];
  for (let a = within.first; a <= within.last; a += 1n) {
    if (!taken.some((t) => t.first <= a && a <= t.last)) out.push(a);
  }
  return out;
};
const flatten = (intervals: readonly IpInterval[]): bigint[] =>
  intervals.flatMap((i) =>
    Array.from({ length: Number(i.last - i.first + 1n) }, (_, k) => i.first + BigInt(k)),
  );

describe(subtractIntervals, () => {
  it('cuts holes out of an interval', () => {
    expect(
      subtractIntervals({ first: 1n, last: 10n }, [
        { first: 8n, last: 12n },
        { first: 3n, last: 4n },
        { first: 0n, last: 1n },
      ]),
    ).toEqual([
      { first: 2n, last: 2n },
      { first: 5n, last: 7n },
    ]);
  });

  it('returns the whole interval when nothing is taken, nothing when all is', () => {
    expect(subtractIntervals({ first: 5n, last: 9n }, [])).toEqual([{ first: 5n, last: 9n }]);
    expect(subtractIntervals({ first: 5n, last: 9n }, [{ first: 0n, last: 100n }])).toEqual([]);
  });

  it('agrees with brute force', () => {
    fc.assert(
      fc.property(interval, fc.array(interval), (within, taken) => {
        const result = subtractIntervals(within, taken);
        expect(flatten(result)).toEqual(brute(within, taken));
        for (let i = 1; i < result.length; i += 1)
          expect(result[i]!.first).toBeGreaterThan(result[i - 1]!.last + 1n);
      }),
    );
  });
});
