import type { Cidr } from './cidr.js';
import type { IpInterval } from './ip-interval.js';
import type { SubnetUsage } from './subnet-usage-result.js';

interface Counts {
  readonly total: bigint;
  readonly available: bigint;
}

/**
 * MAAS's suggested gateway (IPRangeStatistics.get_recommended_gateway). IPv4: the first
 * address if unused, else the last, else the first unused one. IPv6: the subnet-router anycast
 * address, none for two addresses or fewer.
 *
 * MAAS computes the IPv6 one as "first address of the usage − 1", which is the anycast address
 * only when the usage starts after it; through the Subnet model the usage starts *at* it (the
 * rfc-4291-2.6.1 range), so MAAS would suggest the address just below the subnet. We return the
 * anycast address its comment and tests intend.
 */
export function suggestGateway(
  cidr: Cidr,
  usage: Pick<SubnetUsage, 'firstRange' | 'lastRange' | 'firstUnused'>,
  counts: Counts,
): bigint | undefined {
  if (cidr.family === 6) return counts.total <= 2n ? undefined : cidr.network;
  const { firstRange: first, lastRange: last } = usage;
  if (first?.purposes.includes('unused')) return first.first;
  if (last?.purposes.includes('unused')) return last.last;
  return usage.firstUnused?.first;
}

/**
 * MAAS's suggested dynamic range (get_recommended_dynamic_range): in the largest unused block
 * (MAAS takes the last of equals), less the suggested gateway at either end, cut to its top quarter of the
 * subnet when bigger than that, or to half of what is free when it would take all of it.
 */
export function suggestDynamicRange(
  largest: IpInterval | undefined,
  gateway: bigint | undefined,
  counts: Counts,
): IpInterval | undefined {
  if (largest === undefined) return undefined;
  if (gateway !== undefined && largest.first === largest.last) return undefined;
  let first = largest.first;
  let last = largest.last;
  if (gateway !== undefined && gateway >= first && gateway <= last) {
    // MAAS: the suggested gateway sits at one end of an unused block.
    if (gateway === first) first += 1n;
    else last -= 1n;
  }
  const size = last - first + 1n;
  const quarter = counts.total >> 2n;
  const half = counts.available >> 1n;
  if (size > quarter) first = last - quarter;
  else if (size >= half) first = last - half + 1n;
  if (first >= last) return undefined;
  return { first, last };
}
