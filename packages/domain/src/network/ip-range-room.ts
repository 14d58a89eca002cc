import { autoReservedRanges } from './auto-reserved-ranges.js';
import type { Cidr } from './cidr.js';
import { cidrContains } from './cidr-contains.js';
import { clipIntervals } from './clip-intervals.js';
import { intervalsMinus } from './intervals-minus.js';
import type { Ip } from './ip.js';
import type { IpInterval } from './ip-interval.js';
import { usableInterval } from './usable-interval.js';

/** What a new or changed IP range must not collide with. */
export interface IpRangeRoomInput {
  readonly cidr: Cidr;
  readonly managed: boolean;
  /** The subnet's other ranges (not the one being checked). */
  readonly others: readonly { readonly type: string; readonly first: bigint; readonly last: bigint }[];
  readonly gatewayIp?: Ip | undefined;
  readonly dnsServers?: readonly Ip[] | undefined;
  /** Gateways of static routes from this subnet. */
  readonly staticRouteGateways?: readonly Ip[] | undefined;
  /** Allocated addresses that are not merely discovered (MAAS ignores DISCOVERED ones here). */
  readonly assigned?: readonly bigint[] | undefined;
}

/**
 * Where a range of the type may go (MAAS's get_ipranges_available_for_{reserved,dynamic}_range).
 * Reserved ranges may cover allocated addresses and the gateway but no other range (on an
 * unmanaged subnet: no other reserved range). Dynamic ranges may cover nothing in use; on an
 * unmanaged subnet they must lie inside reserved ranges, the only addresses MAAS may use there.
 */
export function ipRangeRoom(input: IpRangeRoomInput, type: 'dynamic' | 'reserved'): IpInterval[] {
  const usable = usableInterval(input.cidr);
  if (usable === undefined) return [];
  const reserved = input.others.filter((r) => r.type === 'reserved');
  const dynamic = input.others.filter((r) => r.type === 'dynamic');
  const auto = autoReservedRanges(input.cidr);
  if (type === 'reserved') {
    return intervalsMinus([usable], [...auto, ...reserved, ...(input.managed ? dynamic : [])]);
  }
  const addresses = [
    ...(input.gatewayIp !== undefined && cidrContains(input.cidr, input.gatewayIp) ? [input.gatewayIp] : []),
    ...[...(input.dnsServers ?? []), ...(input.staticRouteGateways ?? [])].filter((ip) =>
      cidrContains(input.cidr, ip),
    ),
  ].map((ip) => ({ first: ip.value, last: ip.value }));
  const assigned = (input.assigned ?? []).map((ip) => ({ first: ip, last: ip }));
  const taken = [...auto, ...addresses, ...assigned, ...dynamic, ...(input.managed ? reserved : [])];
  return intervalsMinus(input.managed ? [usable] : clipIntervals(reserved, usable), taken);
}
