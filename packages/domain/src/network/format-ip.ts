import type { Ip } from './ip.js';

// Plain number arithmetic after one conversion per 32 bits: BigInt operations allocate, and
// statistics format tens of thousands of addresses.
const octets = Array.from({ length: 256 }, (_, i) => String(i));
const groups = [0, 0, 0, 0, 0, 0, 0, 0];

function formatIpv4(value: bigint): string {
  const n = Number(value);
  return `${octets[(n >>> 24) & 0xff] ?? ''}.${octets[(n >>> 16) & 0xff] ?? ''}.${octets[(n >>> 8) & 0xff] ?? ''}.${octets[n & 0xff] ?? ''}`;
}

/** Canonical text: dotted quad; IPv6 in RFC 5952 form (lower case, longest run of ≥2 zero groups compressed, first on ties; IPv4-mapped ::ffff:a.b.c.d shown as such). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return formatIpv4(ip.value);
  const high = BigInt.asUintN(64, ip.value >> 64n);
  const low = BigInt.asUintN(64, ip.value);
  const words = [
    Number(high >> 32n),
    Number(BigInt.asUintN(32, high)),
    Number(low >> 32n),
    Number(BigInt.asUintN(32, low)),
  ];
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff)
    return `::ffff:${formatIpv4(low & 0xffffffffn)}`;
  for (let w = 0; w < 4; w += 1) {
    const word = words[w] ?? 0;
    groups[2 * w] = word >>> 16;
    groups[2 * w + 1] = word & 0xffff;
  }
  // RFC 5952 §4.2: compress the longest run of zero groups (at least two), the first on ties.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i += 1) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    text += (groups[i] ?? 0).toString(16);
    if (i < 7) text += ':';
  }
  return text;
}
