import { describe, expect, it } from 'vitest';
import { isIpAddress, isIpv4Address, isIpv6Address } from './ip-address.js';

describe('isIpAddress', () => {
  it.each([
    '8.8.8.8',
    '0.0.0.0',
    '255.255.255.255',
    '2001:db8::53',
    '::',
    '::1',
    'fe80::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '::ffff:192.0.2.1',
  ])('accepts %s', (text) => {
    expect(isIpAddress(text)).toBe(true);
  });

  it.each([
    '999.999.999.999',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    'face',
    'beef',
    'dns.google',
    '',
    ':::',
    '1::2::3',
    '2001:db8:0:0:0:0:0:0:1',
    '12345::',
    '::ffff:999.0.0.1',
    ' 8.8.8.8',
  ])('refuses %j', (text) => {
    expect(isIpAddress(text)).toBe(false);
  });

  it('tells the two families apart', () => {
    expect(isIpv4Address('192.0.2.1')).toBe(true);
    expect(isIpv4Address('2001:db8::1')).toBe(false);
    expect(isIpv6Address('2001:db8::1')).toBe(true);
    expect(isIpv6Address('192.0.2.1')).toBe(false);
  });
});
