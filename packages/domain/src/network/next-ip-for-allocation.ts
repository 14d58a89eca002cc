import { allocatableIntervals } from './allocatable-intervals.js';
import { intervalsMinus } from './intervals-minus.js';
import type { IpInterval } from './ip-interval.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';

/**
 * The address MAAS would hand out next (Subnet.get_next_ip_for_allocation): the first address
 * of the *smallest* free block, the lowest on ties, so that large blocks stay whole. `assigned`
 * should hold everything to avoid (assigned, discovered, neighbours, addresses being excluded).
 * undefined when the subnet is exhausted.
 */
export function nextIpForAllocation(input: SubnetUsageInput): bigint | undefined {
  const taken: IpInterval[] = [];
  for (const value of input.assigned) {
    const ip = BigInt(value);
    taken.push({ first: ip, last: ip });
  }
  const free = intervalsMinus(allocatableIntervals(input), taken);
  let best: { first: bigint; last: bigint } | undefined;
  for (const block of free) {
    if (best === undefined || block.last - block.first < best.last - best.first) best = block;
  }
  return best?.first;
}
