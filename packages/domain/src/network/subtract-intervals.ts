import type { IpInterval } from './ip-interval.js';
import { mergeIntervals } from './merge-intervals.js';

/** `within` minus every interval of `taken` (taken need not be sorted/merged). Sorted, merged. */
export function subtractIntervals(within: IpInterval, taken: readonly IpInterval[]): IpInterval[] {
  const free: IpInterval[] = [];
  let cursor = within.first;
  for (const t of mergeIntervals(taken)) {
    if (cursor > within.last) break;
    if (t.last < cursor) continue;
    if (t.first > within.last) break;
    if (t.first > cursor) free.push({ first: cursor, last: t.first - 1n });
    cursor = t.last + 1n;
  }
  if (cursor <= within.last) free.push({ first: cursor, last: within.last });
  return free;
}
