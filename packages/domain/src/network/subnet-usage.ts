import { condenseRanges } from './condense-ranges.js';
import type { IpRangePurpose } from './ip-range-purpose.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { usableInterval } from './usable-interval.js';
import type { PurposedInterval } from './used-range.js';
import { usedRanges } from './used-ranges.js';

const unused: readonly IpRangePurpose[] = Object.freeze(['unused'] as const);

/** The full usage of a subnet with the counts MAAS's IPRangeStatistics derives from it. */
export interface SubnetUsage {
  /** Every address of the subnet MAAS accounts for: used ranges and `unused` ones, sorted. */
  readonly ranges: readonly PurposedInterval[];
  readonly numAvailable: bigint;
  readonly numUnavailable: bigint;
  /** The largest unused block, the last of equals (MAAS's get_largest_unused_block). */
  readonly largestUnused: PurposedInterval | undefined;
  readonly hasGateway: boolean;
  readonly hasDynamic: boolean;
}

/**
 * The full usage of a subnet as MAAS's get_iprange_usage builds it: every use (on managed and
 * unmanaged subnets alike, reserved ranges count as used) plus the `unused` rest of the usable
 * addresses, condensed and sorted; counted in the same single walk (10,000+ ranges).
 */
export function subnetUsage(input: SubnetUsageInput): SubnetUsage {
  const used = condenseRanges(usedRanges(input), input.cidr);
  const usable = usableInterval(input.cidr);
  const ranges: PurposedInterval[] = [];
  let numAvailable = 0n;
  let numUnavailable = 0n;
  let largestUnused: PurposedInterval | undefined;
  let largestSize = 0n;
  let hasGateway = false;
  let hasDynamic = false;
  // Single addresses (most uses) are counted as numbers: every BigInt operation allocates.
  let singleUsed = 0;
  const addUnused = (first: bigint, last: bigint): void => {
    const block = { first, last, purposes: unused };
    const size = last - first + 1n;
    numAvailable += size;
    if (size >= largestSize) {
      largestSize = size;
      largestUnused = block;
    }
    ranges.push(block);
  };
  let cursor = usable?.first ?? input.cidr.last + 1n;
  const end = usable?.last ?? input.cidr.first - 1n;
  for (const u of used) {
    if (cursor < u.first && cursor <= end) addUnused(cursor, u.first <= end ? u.first - 1n : end);
    ranges.push(u);
    if (u.first === u.last) singleUsed += 1;
    else numUnavailable += u.last - u.first + 1n;
    if (u.purposes.includes('gateway-ip')) hasGateway = true;
    if (u.purposes.includes('dynamic')) hasDynamic = true;
    if (u.last >= cursor) cursor = u.last + 1n;
  }
  if (cursor <= end) addUnused(cursor, end);
  numUnavailable += BigInt(singleUsed);
  return { ranges, numAvailable, numUnavailable, largestUnused, hasGateway, hasDynamic };
}
