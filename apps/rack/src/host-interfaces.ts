import { networkInterfaces } from 'node:os';
import type { RackRegistration } from './rack-session.js';

/**
 * This host's network interfaces as the rack reports them when it registers: name, MAC and
 * addresses with prefix. Loopback and interfaces without a hardware address are left out.
 */
export function hostInterfaces(): RackRegistration['interfaces'] {
  const found: RackRegistration['interfaces'][number][] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const list = addresses ?? [];
    const mac = list[0]?.mac.toLowerCase();
    if (mac === undefined || mac === '00:00:00:00:00:00' || list.some((a) => a.internal)) continue;
    found.push({ name, mac, addresses: list.map((a) => a.cidr ?? a.address).slice(0, 64) });
  }
  return found.slice(0, 256);
}
