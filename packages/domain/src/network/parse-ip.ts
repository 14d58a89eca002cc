import { isIpv4Address } from '../ip-address.js';
import type { Ip } from './ip.js';

const hexGroup = /^[0-9a-f]{1,4}$/i;

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function groupsOf(part: string): bigint[] | undefined {
  if (part === '') return [];
  const groups = part.split(':');
  // An empty group here is a stray single colon (`:1::`, `1::2:`), not a compression.
  if (!groups.every((g) => hexGroup.test(g))) return undefined;
  return groups.map((g) => BigInt(Number.parseInt(g, 16)));
}

// Parsed here rather than with isIpv6Address, which lets a stray leading or trailing single
// colon through (`:1:2:3:4:5:6:7`); we need the exact value, so we need the exact grammar.
function ipv6Value(text: string): bigint | undefined {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const suffix = body.slice(lastColon + 1);
  if (suffix.includes('.')) {
    // RFC 4291 §2.2 form 3: a dotted quad stands for the last two 16-bit groups.
    if (!isIpv4Address(suffix)) return undefined;
    const v4 = ipv4Value(suffix);
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const count = head.length + tail.length;
  // With `::` it stands for at least one zero group (RFC 4291 §2.2 form 2).
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const groups = [...head, ...Array<bigint>(8 - count).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses a textual IPv4 (dotted quad) or IPv6 address (any RFC 4291 form, incl. embedded IPv4; no zone id). undefined when not an address. */
export function parseIp(text: string): Ip | undefined {
  if (isIpv4Address(text)) return { family: 4, value: ipv4Value(text) };
  const value = ipv6Value(text);
  return value === undefined ? undefined : { family: 6, value };
}
