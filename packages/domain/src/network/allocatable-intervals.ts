import { clipIntervals } from './clip-intervals.js';
import { intervalsMinus } from './intervals-minus.js';
import type { IpInterval } from './ip-interval.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { usableInterval } from './usable-interval.js';
import { usedRanges } from './used-ranges.js';

/**
 * Where the allocator may pick an automatic address from: the usable addresses minus the
 * gateway, DNS servers, the IPv6 automatic reservations, and the ranges it must avoid — dynamic
 * and reserved on a managed subnet; on an unmanaged subnet only (the free parts of) reserved
 * ranges may be used, never dynamic ones. Sorted, merged intervals; subtract the assigned
 * addresses to get what is free.
 */
export function allocatableIntervals(input: Omit<SubnetUsageInput, 'assigned'>): IpInterval[] {
  const usable = usableInterval(input.cidr);
  if (usable === undefined) return [];
  const within = input.managed
    ? [usable]
    : clipIntervals(
        input.ranges.filter((r) => r.type === 'reserved'),
        usable,
      );
  return intervalsMinus(within, usedRanges(input, { assigned: false, reserved: input.managed }));
}
