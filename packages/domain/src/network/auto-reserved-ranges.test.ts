import { describe, expect, it } from 'vitest';
import { autoReservedRanges } from './auto-reserved-ranges.js';
import { makeCidr } from './make-cidr.js';

const base = 0x20010db8n << 96n;

describe(autoReservedRanges, () => {
  it('holds back ::1 to ::ffff:ffff and the anycast address on a /64', () => {
    expect(autoReservedRanges(makeCidr(6, base, 64))).toEqual([
      { first: base + 1n, last: base + 0xffffffffn, purpose: 'reserved' },
      { first: base, last: base, purpose: 'rfc-4291-2.6.1' },
    ]);
  });

  it('holds back only the anycast address on other IPv6 prefixes, nothing on /127 and /128', () => {
    expect(autoReservedRanges(makeCidr(6, base, 80))).toEqual([
      { first: base, last: base, purpose: 'rfc-4291-2.6.1' },
    ]);
    expect(autoReservedRanges(makeCidr(6, base, 127))).toEqual([]);
    expect(autoReservedRanges(makeCidr(6, base, 128))).toEqual([]);
  });

  it('holds back nothing on IPv4', () => {
    expect(autoReservedRanges(makeCidr(4, 0x0a000000n, 24))).toEqual([]);
  });
});
