import type { Cidr } from './cidr.js';
import type { IpInterval } from './ip-interval.js';

/**
 * The addresses of a subnet MAAS may ever hand out (MAASIPSet.get_unused_ranges_for_network):
 * IPv4 without the network and broadcast addresses, except /31 and /32 (RFC 3021: both/the one
 * address are hosts); IPv6 without the subnet-router anycast address (RFC 4291 §2.6.1, the
 * network address), except /127 and /128 (RFC 6164). IPv6 has no broadcast, so the last
 * address is usable. Always defined for a valid CIDR; `undefined` is kept in the type for
 * callers that build CIDRs by hand.
 */
export function usableInterval(cidr: Cidr): IpInterval | undefined {
  const whole = cidr.family === 4 ? cidr.prefix >= 31 : cidr.prefix >= 127;
  const first = whole ? cidr.first : cidr.first + 1n;
  const last = whole || cidr.family === 6 ? cidr.last : cidr.last - 1n;
  return first <= last ? { first, last } : undefined;
}
