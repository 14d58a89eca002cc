import type { Cidr } from './cidr.js';

/** Whether two networks share any address (for CIDRs: one contains the other). */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}
