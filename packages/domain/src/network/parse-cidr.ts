import type { Cidr } from './cidr.js';
import { familyBits } from './ip.js';
import { makeCidr } from './make-cidr.js';
import { parseIp } from './parse-ip.js';

// A dotted netmask (`255.255.255.0`) as netaddr, and so MAAS, accepts it; contiguous only.
function netmaskPrefix(mask: bigint): number | undefined {
  const inverted = ~mask & 0xffffffffn;
  if ((inverted & (inverted + 1n)) !== 0n) return undefined;
  return 32 - inverted.toString(2).replace(/^0+/, '').length;
}

/**
 * Parses `a.b.c.d/n` or `x::/n` (IPv4 also `a.b.c.d/255.255.255.0`). A bare address is NOT a
 * CIDR. Host bits may be set and are cleared, as MAAS's CIDRField does (`IPNetwork(v).cidr`):
 * `10.0.0.5/24` is `10.0.0.0/24`. Returns {cidr} or {error: message}.
 */
export function parseCidr(text: string): { cidr: Cidr } | { error: string } {
  const parts = text.split('/');
  if (parts.length !== 2) return { error: `'${text}' is not a CIDR: expected <network>/<prefixlen>.` };
  const [addressText = '', prefixText = ''] = parts;
  const address = parseIp(addressText);
  if (address === undefined) return { error: `'${addressText}' is not an IP address.` };
  const bits = familyBits(address.family);
  let prefix: number | undefined;
  if (/^\d{1,3}$/.test(prefixText)) {
    prefix = Number(prefixText);
  } else if (address.family === 4) {
    const mask = parseIp(prefixText);
    if (mask?.family === 4) prefix = netmaskPrefix(mask.value);
  }
  if (prefix === undefined) return { error: `'${prefixText}' is not a prefix length.` };
  if (prefix > bits) {
    return { error: `Prefix length ${prefix} is out of range for IPv${address.family} (0-${bits}).` };
  }
  return { cidr: makeCidr(address.family, address.value, prefix) };
}
