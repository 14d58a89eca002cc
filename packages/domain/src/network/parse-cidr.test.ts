import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import { formatCidr } from './format-cidr.js';
import { makeCidr } from './make-cidr.js';
import { parseCidr } from './parse-cidr.js';

function cidrOf(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!('cidr' in parsed)) throw new Error(parsed.error);
  return parsed.cidr;
}

const cidr = fc.oneof(
  fc
    .tuple(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 0, max: 32 }))
    .map(([v, p]) => makeCidr(4, v, p)),
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
    .map(([v, p]) => makeCidr(6, v, p)),
);

describe(parseCidr, () => {
  it('reads an IPv4 network', () => {
    expect(cidrOf('192.168.1.0/24')).toEqual({
      family: 4,
      network: 0xc0a80100n,
      prefix: 24,
      first: 0xc0a80100n,
      last: 0xc0a801ffn,
      size: 256n,
    });
  });

  it('reads an IPv6 network in any spelling', () => {
    expect(formatCidr(cidrOf('2001:DB8:0:0::/64'))).toBe('2001:db8::/64');
    expect(cidrOf('::/0').size).toBe(1n << 128n);
    expect(cidrOf('::1/128').size).toBe(1n);
  });

  it('clears host bits, as MAAS does when it stores a CIDR', () => {
    expect(formatCidr(cidrOf('10.0.0.5/24'))).toBe('10.0.0.0/24');
    expect(formatCidr(cidrOf('2001:db8::1/64'))).toBe('2001:db8::/64');
    expect(formatCidr(cidrOf('192.168.1.1/16'))).toBe('192.168.0.0/16');
  });

  it('reads an IPv4 dotted netmask as netaddr does', () => {
    expect(formatCidr(cidrOf('10.1.2.3/255.255.255.0'))).toBe('10.1.2.0/24');
    expect(formatCidr(cidrOf('10.0.0.0/0.0.0.0'))).toBe('0.0.0.0/0');
    expect(parseCidr('10.0.0.0/255.0.255.0')).toHaveProperty('error');
  });

  it.each([
    '10.0.0.1',
    '2001:db8::',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '/24',
    '10.0.0.0/24/1',
    '10.0.0/24',
    '256.0.0.0/8',
    '10.0.0.0/-1',
    '10.0.0.0/ 24',
    '10.0.0.0/1000',
    'ten/8',
    '',
  ])('refuses %j with a message', (text) => {
    const parsed = parseCidr(text);
    expect(parsed).toHaveProperty('error');
    expect('error' in parsed && parsed.error.length > 0).toBe(true);
  });

  it('names the problem', () => {
    expect(parseCidr('10.0.0.0/33')).toEqual({ error: 'Prefix length 33 is out of range for IPv4 (0-32).' });
    expect(parseCidr('10.0.0.1')).toEqual({
      error: "'10.0.0.1' is not a CIDR: expected <network>/<prefixlen>.",
    });
  });

  it('reads back what formatCidr writes', () => {
    fc.assert(
      fc.property(cidr, (c) => {
        expect(cidrOf(formatCidr(c))).toEqual(c);
      }),
    );
  });

  it('gives first, last and size that agree with the prefix', () => {
    fc.assert(
      fc.property(cidr, (c) => {
        const bits = c.family === 4 ? 32 : 128;
        expect(c.size).toBe(1n << BigInt(bits - c.prefix));
        expect(c.first).toBe(c.network);
        expect(c.last - c.first + 1n).toBe(c.size);
        expect(c.network % c.size).toBe(0n);
      }),
    );
  });
});
