import { condenseRanges } from './condense-ranges.js';
import type { IpRangePurpose } from './ip-range-purpose.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import type { SubnetUsage, SubnetUsageOptions } from './subnet-usage-result.js';
import { usableInterval } from './usable-interval.js';
import type { PurposedInterval } from './used-range.js';
import { usedRanges } from './used-ranges.js';

const unused: readonly IpRangePurpose[] = Object.freeze(['unused'] as const);

/**
 * subnetUsage on bigints, for either family: the uses condensed by condenseRanges, then one
 * walk that fills the gaps of the usable addresses with `unused` ranges and counts.
 */
export function anyFamilySubnetUsage(input: SubnetUsageInput, options: SubnetUsageOptions = {}): SubnetUsage {
  const used = condenseRanges(usedRanges(input), input.cidr);
  const usable = usableInterval(input.cidr);
  const ranges: PurposedInterval[] = [];
  let numAvailable = 0n;
  let numUnavailable = 0n;
  let largestUnused: PurposedInterval | undefined;
  let firstUnused: PurposedInterval | undefined;
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
    firstUnused ??= block;
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
  return {
    ...(options.ranges === false ? {} : { ranges }),
    firstRange: ranges[0],
    lastRange: ranges.at(-1),
    firstUnused,
    numAvailable,
    numUnavailable,
    largestUnused,
    hasGateway,
    hasDynamic,
  };
}
