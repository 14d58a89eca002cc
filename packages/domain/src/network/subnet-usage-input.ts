import type { Cidr } from './cidr.js';
import type { Ip } from './ip.js';

/**
 * Address values: bigints, or for IPv4 a Uint32Array, which the usage computations take without
 * a BigInt per address (10,000+ addresses; sorted ones are not sorted again).
 */
export type AddressValues = readonly bigint[] | Uint32Array;

/** An IP range of a subnet as the usage computations need it. */
export interface SubnetIpRange {
  readonly type: 'dynamic' | 'reserved';
  readonly first: bigint;
  readonly last: bigint;
  readonly comment?: string;
}

/** What the address usage of one subnet is computed from. */
export interface SubnetUsageInput {
  readonly cidr: Cidr;
  readonly managed: boolean;
  /** Outside the subnet (e.g. an IPv6 link-local router) it uses no address of it. */
  readonly gatewayIp?: Ip | undefined;
  /** Only those inside the subnet count. */
  readonly dnsServers: readonly Ip[];
  /** Gateways of the static routes whose source is this subnet; MAAS counts them as `gateway-ip`. */
  readonly staticRouteGateways?: readonly Ip[] | undefined;
  readonly ranges: readonly SubnetIpRange[];
  /** Addresses in use (assigned, reserved IPs, discovered, leases). Sorted or not. May be 10,000+. */
  readonly assigned: AddressValues;
}
