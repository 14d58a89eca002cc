import type { Ip } from './ip.js';

/** Orders addresses: IPv4 before IPv6, then by value. Negative, zero or positive. */
export function compareIp(a: Ip, b: Ip): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
