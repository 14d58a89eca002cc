import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import { formatIp } from './format-ip.js';
import { parseCidr } from './parse-cidr.js';
import { usableInterval } from './usable-interval.js';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!('cidr' in parsed)) throw new Error(parsed.error);
  return parsed.cidr;
};
const usable = (text: string): [string, string] | undefined => {
  const c = cidr(text);
  const u = usableInterval(c);
  return u && [formatIp({ family: c.family, value: u.first }), formatIp({ family: c.family, value: u.last })];
};

describe(usableInterval, () => {
  it.each([
    ['192.168.1.0/24', ['192.168.1.1', '192.168.1.254']],
    ['10.0.0.0/30', ['10.0.0.1', '10.0.0.2']],
    // RFC 3021 point-to-point links and host routes: every address is a host.
    ['10.0.0.0/31', ['10.0.0.0', '10.0.0.1']],
    ['10.0.0.7/32', ['10.0.0.7', '10.0.0.7']],
    // IPv6: no broadcast, but the subnet-router anycast address (RFC 4291 §2.6.1) is held back…
    ['2001:db8::/64', ['2001:db8::1', '2001:db8::ffff:ffff:ffff:ffff']],
    ['2001:db8::/126', ['2001:db8::1', '2001:db8::3']],
    // …except on /127 (RFC 6164) and /128.
    ['2001:db8::/127', ['2001:db8::', '2001:db8::1']],
    ['2001:db8::5/128', ['2001:db8::5', '2001:db8::5']],
  ] as const)('gives %s as %j', (text, expected) => {
    expect(usable(text)).toEqual(expected);
  });
});
