import type { Cidr } from './cidr.js';
import { formatIp } from './format-ip.js';

/** `network/prefix`, the network address in canonical form (`10.0.0.0/24`, `2001:db8::/64`). */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}
