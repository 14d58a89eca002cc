import { clipIntervals } from './clip-intervals.js';
import { intervalsMinus } from './intervals-minus.js';
import type { IpInterval } from './ip-interval.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { usableInterval } from './usable-interval.js';
import { usedRanges } from './used-ranges.js';

/**
 * The addresses of a subnet that nothing uses, as MAAS's get_ipranges_not_in_use computes them:
 * on a managed subnet the usable addresses minus every use; on an unmanaged subnet only the
 * free addresses inside reserved ranges (there, reserved means "MAAS may use these").
 */
export function freeIntervals(input: SubnetUsageInput): IpInterval[] {
  const usable = usableInterval(input.cidr);
  if (usable === undefined) return [];
  if (input.managed) return intervalsMinus([usable], usedRanges(input));
  const reserved = input.ranges.filter((r) => r.type === 'reserved');
  return intervalsMinus(clipIntervals(reserved, usable), usedRanges(input, { reserved: false }));
}
