import type { Cidr } from './cidr.js';
import type { Ip } from './ip.js';

/** Whether the address lies in the network (same family, between first and last). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return ip.family === cidr.family && ip.value >= cidr.first && ip.value <= cidr.last;
}
