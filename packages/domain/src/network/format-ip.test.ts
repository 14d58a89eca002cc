import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp } from './format-ip.js';
import type { Ip } from './ip.js';
import { parseIp } from './parse-ip.js';

const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const ipv6 = fc
  .array(group, { minLength: 8, maxLength: 8 })
  .map((groups): Ip => ({ family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) }));
const ipv4 = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value): Ip => ({ family: 4, value }));

const v6 = (text: string): Ip => {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(text);
  return ip;
};

describe(formatIp, () => {
  it('writes IPv4 as a dotted quad without leading zeros', () => {
    expect(formatIp({ family: 4, value: 0x0a000001n })).toBe('10.0.0.1');
    expect(formatIp({ family: 4, value: 0n })).toBe('0.0.0.0');
  });

  it.each([
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:0DB8:0:0:0:0:0:0', '2001:db8::'],
    // RFC 5952 §4.2.2: a single zero group is not compressed.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run is compressed, the first one on ties.
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:0:1:0:0:0', '1::1:0:0:0'],
    // §5: IPv4-mapped addresses keep the dotted quad.
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
    ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['0:1:0:0:0:0:0:0', '0:1::'],
    ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156'],
  ])('writes %s as %s', (text, canonical) => {
    expect(formatIp(v6(text))).toBe(canonical);
  });

  it('is canonical: formatting what it parsed gives the same text', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4, ipv6), (ip) => {
        const text = formatIp(ip);
        expect(formatIp(v6OrV4(text))).toBe(text);
      }),
    );
  });

  it('writes lower case and never more than one ::, never a lone compressed group', () => {
    fc.assert(
      fc.property(ipv6, (ip) => {
        const text = formatIp(ip);
        expect(text).toBe(text.toLowerCase());
        expect(text.split('::').length).toBeLessThanOrEqual(2);
        if (text.includes('::') && !text.includes('.')) {
          expect(text.split(':').filter((g) => g !== '').length).toBeLessThanOrEqual(6);
        }
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
      }),
    );
  });
});

function v6OrV4(text: string): Ip {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(text);
  return ip;
}
