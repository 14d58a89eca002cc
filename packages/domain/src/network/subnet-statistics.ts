import { formatIp } from './format-ip.js';
import type { IpFamily } from './ip.js';
import { pythonPercent } from './python-percent.js';
import { renderIpRange, type ReservedIpRange } from './render-ip-range.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { subnetUsage } from './subnet-usage.js';
import { suggestDynamicRange, suggestGateway } from './subnet-suggestions.js';

/**
 * MAAS's `GET subnets/{id}/?op=statistics` body (IPRangeStatistics.render_json), keys in
 * MAAS's order. Counts are exact bigints (2^64 for an empty /64; MAAS prints the integer in
 * full): serialize with stringifyJson, not JSON.stringify.
 */
export interface SubnetStatistics {
  readonly num_available: bigint;
  readonly largest_available: bigint;
  readonly num_unavailable: bigint;
  readonly total_addresses: bigint;
  /** num_unavailable / total_addresses as a double. */
  readonly usage: number;
  /** Python's `.0%` of usage, e.g. "9%". */
  readonly usage_string: string;
  readonly available_string: string;
  readonly first_address: string;
  readonly last_address: string;
  readonly ip_version: IpFamily;
  /** With includeRanges: every address of the subnet, used ranges and `unused` ones. */
  readonly ranges?: readonly ReservedIpRange[];
  /** With includeSuggestions; null when the subnet has a gateway or none fits. */
  readonly suggested_gateway?: string | null;
  /** With includeSuggestions; null when the subnet has a dynamic range or none fits. */
  readonly suggested_dynamic_range?: ReservedIpRange | null;
}

/** MAAS's subnet statistics (`op=statistics`): field names and value formats as the API returns them. */
export function subnetStatistics(
  input: SubnetUsageInput,
  options: { includeRanges: boolean; includeSuggestions: boolean },
): SubnetStatistics {
  const family = input.cidr.family;
  const usage = subnetUsage(input, { ranges: options.includeRanges });
  const numAvailable = usage.numAvailable;
  const numUnavailable = usage.numUnavailable;
  const total = numAvailable + numUnavailable;
  // MAAS divides Python floats; Number(bigint) rounds to nearest like float(int).
  const usageRatio = Number(numUnavailable) / Number(total);
  const available = Number(numAvailable) / Number(total);
  const first = usage.firstRange?.first ?? input.cidr.first;
  const last = usage.lastRange?.last ?? input.cidr.last;
  const statistics: SubnetStatistics = {
    num_available: numAvailable,
    largest_available:
      usage.largestUnused === undefined ? 0n : usage.largestUnused.last - usage.largestUnused.first + 1n,
    num_unavailable: numUnavailable,
    total_addresses: total,
    usage: usageRatio,
    usage_string: pythonPercent(usageRatio),
    available_string: pythonPercent(available),
    first_address: formatIp({ family, value: first }),
    last_address: formatIp({ family, value: last }),
    ip_version: family,
  };
  const ranges = options.includeRanges
    ? { ranges: (usage.ranges ?? []).map((r) => renderIpRange(family, r.first, r.last, r.purposes)) }
    : {};
  if (!options.includeSuggestions) return { ...statistics, ...ranges };
  const counts = { total, available: numAvailable };
  const gateway = usage.hasGateway ? undefined : suggestGateway(input.cidr, usage, counts);
  const dynamic = usage.hasDynamic ? undefined : suggestDynamicRange(usage.largestUnused, gateway, counts);
  return {
    ...statistics,
    ...ranges,
    suggested_gateway: gateway === undefined ? null : formatIp({ family, value: gateway }),
    suggested_dynamic_range:
      dynamic === undefined ? null : renderIpRange(family, dynamic.first, dynamic.last, ['proposed-dynamic']),
  };
}
