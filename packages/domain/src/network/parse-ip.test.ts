import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIpv4Address } from '../ip-address.js';
import { formatIp } from './format-ip.js';
import type { Ip } from './ip.js';
import { parseIp } from './parse-ip.js';

const group = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 0xffff }));
// Zero groups are likely, so that `::` compression is exercised.
const ipv6 = fc
  .array(group, { minLength: 8, maxLength: 8 })
  .map((groups): Ip => ({ family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) }));
const ipv4 = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value): Ip => ({ family: 4, value }));

describe(parseIp, () => {
  it.each([
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['192.0.2.1', 4, 0xc0000201n],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::', 6, 0x20010db8n << 96n],
    ['::ffff:1.2.3.4', 6, 0xffff01020304n],
    ['::1.2.3.4', 6, 0x01020304n],
    ['2001:DB8::ABCD', 6, (0x20010db8n << 96n) | 0xabcdn],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, (0x20010db8n << 96n) | 1n],
    ['1:2:3:4:5:6:7::', 6, 0x0001000200030004000500060007_0000n],
    ['::2:3:4:5:6:7:8', 6, 0x0000000200030004000500060007_0008n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x000100020003000400050006_01020304n],
  ] as const)('reads %s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each([
    '',
    ':::',
    '1::2::3',
    '12345::',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4 ',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '1::2:',
    ':1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    'fe80::1%eth0',
    '::ffff:256.0.0.1',
    '::1.2.3.4:5',
    '1.2.3.4::',
    'g::',
    '2001:db8::/64',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('follows isIpv4Address on dotted quads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (octets, pad) => {
          const text = octets.map((o) => (pad && o < 10 ? `0${o}` : `${o}`)).join('.');
          expect(parseIp(text)?.family === 4).toBe(isIpv4Address(text));
        },
      ),
    );
  });

  it('reads back what formatIp writes', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), (ip) => {
        expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
    );
  });

  it('reads every RFC 4291 spelling of an IPv6 address to the same value', () => {
    fc.assert(
      fc.property(
        ipv6,
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
        (ip, pad, upper) => {
          // The full form, with groups zero-padded or not and in either case.
          const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift, i) => {
            const hex = ((ip.value >> shift) & 0xffffn).toString(16);
            return pad[i] === true ? hex.padStart(4, '0') : hex;
          });
          const text = groups.join(':');
          expect(parseIp(upper ? text.toUpperCase() : text)).toEqual(ip);
          // The last 32 bits as a dotted quad.
          const v4 = ip.value & 0xffffffffn;
          const quad = [24n, 16n, 8n, 0n].map((s) => ((v4 >> s) & 0xffn).toString()).join('.');
          expect(parseIp(`${groups.slice(0, 6).join(':')}:${quad}`)).toEqual(ip);
        },
      ),
    );
  });
});
