import type { IpInterval } from './ip-interval.js';

/** The parts of the intervals that lie inside `within` (empty parts dropped, order kept). */
export function clipIntervals(intervals: readonly IpInterval[], within: IpInterval): IpInterval[] {
  const clipped: IpInterval[] = [];
  for (const i of intervals) {
    const first = i.first < within.first ? within.first : i.first;
    const last = i.last > within.last ? within.last : i.last;
    if (first <= last) clipped.push({ first, last });
  }
  return clipped;
}
