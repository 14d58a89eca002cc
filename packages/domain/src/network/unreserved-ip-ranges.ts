import { freeIntervals } from './free-intervals.js';
import { renderIpRange, type UnreservedIpRange } from './render-ip-range.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';

/** Free ranges as MAAS's `unreserved_ip_ranges` op returns them (start, end, num_addresses). */
export function unreservedIpRanges(input: SubnetUsageInput): UnreservedIpRange[] {
  return freeIntervals(input).map((r) => renderIpRange(input.cidr.family, r.first, r.last));
}
