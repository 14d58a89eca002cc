import type { IpInterval } from './ip-interval.js';

/** Sorted, merged (adjacent/overlapping intervals joined). Empty intervals (first > last) are dropped. */
export function mergeIntervals(intervals: readonly IpInterval[]): IpInterval[] {
  const sorted = intervals
    .filter((i) => i.first <= i.last)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: IpInterval[] = [];
  let current: { first: bigint; last: bigint } | undefined;
  for (const interval of sorted) {
    if (current !== undefined && interval.first <= current.last + 1n) {
      if (interval.last > current.last) current.last = interval.last;
      continue;
    }
    if (current !== undefined) merged.push(current);
    current = { first: interval.first, last: interval.last };
  }
  if (current !== undefined) merged.push(current);
  return merged;
}
