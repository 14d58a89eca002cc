import { purposeBit, purposesOfMask } from './purpose-mask.js';
import type { PurposedInterval, UsedRange } from './used-range.js';

/**
 * MAAS's MAASIPSet condensing: sort, merge overlapping ranges (joining their purposes), then
 * join adjacent ranges whose purposes are identical. Adjacent ranges of different purposes
 * stay apart (a gateway at .1 and an assigned .2 are two ranges). Ranges are clipped to
 * `within` when given; empty ones are dropped.
 */
export function condenseRanges(
  ranges: readonly UsedRange[],
  within?: { readonly first: bigint; readonly last: bigint },
): PurposedInterval[] {
  const items: { first: bigint; last: bigint; mask: number }[] = [];
  for (const r of ranges) {
    const first = within !== undefined && r.first < within.first ? within.first : r.first;
    const last = within !== undefined && r.last > within.last ? within.last : r.last;
    if (first <= last) items.push({ first, last, mask: purposeBit(r.purpose) });
  }
  items.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const merged: { first: bigint; last: bigint; mask: number }[] = [];
  for (const item of items) {
    const previous = merged.at(-1);
    if (previous !== undefined && item.first <= previous.last) {
      if (item.last > previous.last) previous.last = item.last;
      previous.mask |= item.mask;
    } else {
      merged.push({ first: item.first, last: item.last, mask: item.mask });
    }
  }
  const coalesced: { first: bigint; last: bigint; mask: number }[] = [];
  for (const item of merged) {
    const previous = coalesced.at(-1);
    if (previous !== undefined && item.first === previous.last + 1n && item.mask === previous.mask) {
      previous.last = item.last;
    } else {
      coalesced.push(item);
    }
  }
  return coalesced.map((c) => ({ first: c.first, last: c.last, purposes: purposesOfMask(c.mask) }));
}
