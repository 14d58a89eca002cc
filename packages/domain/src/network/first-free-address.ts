import type { IpInterval } from './ip-interval.js';
import { mergeIntervals } from './merge-intervals.js';

/** The lowest address of `within` not in `taken` (taken: intervals, any order), or undefined when none. O(n log n) in taken. */
export function firstFreeAddress(within: IpInterval, taken: readonly IpInterval[]): bigint | undefined {
  let cursor = within.first;
  for (const t of mergeIntervals(taken)) {
    if (t.last < cursor) continue;
    if (t.first > cursor) break;
    cursor = t.last + 1n;
  }
  return cursor <= within.last ? cursor : undefined;
}
