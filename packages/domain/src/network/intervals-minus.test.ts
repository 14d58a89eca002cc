import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intervalsMinus } from './intervals-minus.js';
import type { IpInterval } from './ip-interval.js';

const interval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
  .map(([a, b]): IpInterval => ({ first: BigInt(Math.min(a, b)), last: BigInt(Math.max(a, b)) }));
const inAny = (a: bigint, list: readonly IpInterval[]): boolean =>
  list.some((i) => i.first <= a && a <= i.last);

describe(intervalsMinus, () => {
  it('subtracts a hole that spans several intervals', () => {
    expect(
      intervalsMinus(
        [
          { first: 0n, last: 3n },
          { first: 6n, last: 9n },
          { first: 12n, last: 15n },
        ],
        [{ first: 2n, last: 13n }],
      ),
    ).toEqual([
      { first: 0n, last: 1n },
      { first: 14n, last: 15n },
    ]);
  });

  it('agrees with brute force', () => {
    fc.assert(
      fc.property(fc.array(interval), fc.array(interval), (within, taken) => {
        const result = intervalsMinus(within, taken);
        for (let a = 0n; a <= 61n; a += 1n) {
          expect(inAny(a, result)).toBe(inAny(a, within) && !inAny(a, taken));
        }
        for (let i = 1; i < result.length; i += 1)
          expect(result[i]!.first).toBeGreaterThan(result[i - 1]!.last + 1n);
      }),
    );
  });
});
