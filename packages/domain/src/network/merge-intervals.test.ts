import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpInterval } from './ip-interval.js';
import { mergeIntervals } from './merge-intervals.js';

// Small universes, so that a Set of every address is the obvious right answer.
const interval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
  .map(([a, b]): IpInterval => ({ first: BigInt(Math.min(a, b)), last: BigInt(Math.max(a, b)) }));
// The same, at the top of the IPv6 space.
const high = (1n << 128n) - 64n;
const shifted = interval.map((i): IpInterval => ({ first: i.first + high, last: i.last + high }));

const addresses = (intervals: readonly IpInterval[]): Set<bigint> => {
  const set = new Set<bigint>();
  for (const i of intervals) for (let a = i.first; a <= i.last; a += 1n) set.add(a);
  return set;
};

describe(mergeIntervals, () => {
  it('joins overlapping and adjacent intervals and sorts', () => {
    expect(
      mergeIntervals([
        { first: 10n, last: 12n },
        { first: 1n, last: 3n },
        { first: 4n, last: 5n },
        { first: 11n, last: 20n },
        { first: 30n, last: 30n },
      ]),
    ).toEqual([
      { first: 1n, last: 5n },
      { first: 10n, last: 20n },
      { first: 30n, last: 30n },
    ]);
  });

  it('drops empty intervals and does not change its input', () => {
    const input = [
      { first: 5n, last: 4n },
      { first: 2n, last: 2n },
    ];
    expect(mergeIntervals(input)).toEqual([{ first: 2n, last: 2n }]);
    expect(input).toEqual([
      { first: 5n, last: 4n },
      { first: 2n, last: 2n },
    ]);
  });

  it('returns sorted, disjoint, non-adjacent intervals covering exactly the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(interval), fc.array(shifted)), (input) => {
        const merged = mergeIntervals(input);
        for (let i = 1; i < merged.length; i += 1) {
          expect(merged[i]!.first).toBeGreaterThan(merged[i - 1]!.last + 1n);
        }
        for (const m of merged) expect(m.first).toBeLessThanOrEqual(m.last);
        expect(addresses(merged)).toEqual(addresses(input));
      }),
    );
  });
});
