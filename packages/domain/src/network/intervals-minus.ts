import type { IpInterval } from './ip-interval.js';
import { mergeIntervals } from './merge-intervals.js';

/** Every address of `within` that is in no interval of `taken`; both in any order. Sorted, merged. */
export function intervalsMinus(within: readonly IpInterval[], taken: readonly IpInterval[]): IpInterval[] {
  const holes = mergeIntervals(taken);
  const free: IpInterval[] = [];
  let h = 0;
  for (const w of mergeIntervals(within)) {
    let cursor = w.first;
    while (h < holes.length && (holes[h]?.last ?? 0n) < cursor) h += 1;
    // Holes may span several `within` intervals, so do not move past the last one seen.
    for (let i = h; i < holes.length; i += 1) {
      const hole = holes[i];
      if (hole === undefined || hole.first > w.last) break;
      if (hole.first > cursor) free.push({ first: cursor, last: hole.first - 1n });
      if (hole.last + 1n > cursor) cursor = hole.last + 1n;
      if (cursor > w.last) break;
    }
    if (cursor <= w.last) free.push({ first: cursor, last: w.last });
  }
  return free;
}
