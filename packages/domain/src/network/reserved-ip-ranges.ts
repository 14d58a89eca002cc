import { condenseRanges } from './condense-ranges.js';
import { renderIpRange, type ReservedIpRange } from './render-ip-range.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { usedRanges } from './used-ranges.js';

/**
 * Reserved (in-use) ranges as MAAS's `reserved_ip_ranges` op returns them (start, end,
 * num_addresses, purpose list). MAAS lists the same uses on managed and unmanaged subnets:
 * reserved ranges show as `reserved` either way. The inverted meaning of reserved ranges on an
 * unmanaged subnet (maas-api.md §3.2) shows in `unreserved_ip_ranges` and in allocation.
 */
export function reservedIpRanges(input: SubnetUsageInput): ReservedIpRange[] {
  return condenseRanges(usedRanges(input), input.cidr).map((r) =>
    renderIpRange(input.cidr.family, r.first, r.last, r.purposes),
  );
}
