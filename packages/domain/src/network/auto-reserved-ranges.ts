import type { Cidr } from './cidr.js';
import type { UsedRange } from './used-range.js';

/**
 * The ranges MAAS holds back on every IPv6 subnet by itself: the subnet-router anycast address
 * (RFC 4291 §2.6.1; not on /127 or /128, RFC 6164) and, on a /64 only, `::1` to `::ffff:ffff`,
 * which MAAS keeps for the administrator and for a future `::<node>:<child>` scheme.
 */
export function autoReservedRanges(cidr: Cidr): UsedRange[] {
  if (cidr.family !== 6) return [];
  const ranges: UsedRange[] = [];
  if (cidr.prefix === 64) {
    ranges.push({ first: cidr.first + 1n, last: cidr.first + 0xffffffffn, purpose: 'reserved' });
  }
  if (cidr.prefix < 127) ranges.push({ first: cidr.first, last: cidr.first, purpose: 'rfc-4291-2.6.1' });
  return ranges;
}
