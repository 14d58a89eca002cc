import { anyFamilySubnetUsage } from './any-family-subnet-usage.js';
import { ipv4SubnetUsage } from './ipv4-subnet-usage.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import type { SubnetUsage, SubnetUsageOptions } from './subnet-usage-result.js';

export type { SubnetUsage, SubnetUsageOptions } from './subnet-usage-result.js';

/**
 * The full usage of a subnet as MAAS's get_iprange_usage builds it: every use (on managed and
 * unmanaged subnets alike, reserved ranges count as used) plus the `unused` rest of the usable
 * addresses, condensed and sorted, and counted in the same walk. Without the ranges listed,
 * IPv4 is counted on plain numbers (no BigInt or object per address: 10,000+ addresses);
 * listing takes an object per range anyway, and the bigint walk.
 */
export function subnetUsage(input: SubnetUsageInput, options: SubnetUsageOptions = {}): SubnetUsage {
  return input.cidr.family === 4 && options.ranges === false
    ? ipv4SubnetUsage(input)
    : anyFamilySubnetUsage(input, options);
}
