import { autoReservedRanges } from './auto-reserved-ranges.js';
import { cidrContains } from './cidr-contains.js';
import type { AddressValues, SubnetUsageInput } from './subnet-usage-input.js';
import type { UsedRange } from './used-range.js';

/** Which kinds of use to count (all by default). */
export interface UsedRangeKinds {
  readonly gatewayAndDns?: boolean;
  readonly assigned?: boolean;
  readonly reserved?: boolean;
  readonly dynamic?: boolean;
}

/**
 * The uses of a subnet's addresses, one entry per reason, as MAAS's get_ipranges_in_use
 * collects them: the IPv6 automatic reservations, the gateway, static-route gateways and DNS
 * servers inside the subnet, assigned addresses, reserved and dynamic ranges. Not clipped, not condensed.
 */
export function usedRanges(
  input: Omit<SubnetUsageInput, 'assigned'> & { readonly assigned?: AddressValues },
  kinds: UsedRangeKinds = {},
): UsedRange[] {
  const used: UsedRange[] = autoReservedRanges(input.cidr);
  if (kinds.gatewayAndDns ?? true) {
    const gateway = input.gatewayIp;
    if (gateway !== undefined && cidrContains(input.cidr, gateway)) {
      used.push({ first: gateway.value, last: gateway.value, purpose: 'gateway-ip' });
    }
    for (const route of input.staticRouteGateways ?? []) {
      if (cidrContains(input.cidr, route))
        used.push({ first: route.value, last: route.value, purpose: 'gateway-ip' });
    }
    for (const server of input.dnsServers) {
      if (cidrContains(input.cidr, server))
        used.push({ first: server.value, last: server.value, purpose: 'dns-server' });
    }
  }
  if (kinds.assigned ?? true) {
    for (const value of input.assigned ?? []) {
      const ip = BigInt(value);
      used.push({ first: ip, last: ip, purpose: 'assigned-ip' });
    }
  }
  for (const range of input.ranges) {
    if (range.type === 'reserved' ? (kinds.reserved ?? true) : (kinds.dynamic ?? true)) {
      used.push({ first: range.first, last: range.last, purpose: range.type });
    }
  }
  return used;
}
