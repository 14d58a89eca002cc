import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import type { Ip } from './ip.js';
import { makeCidr } from './make-cidr.js';
import { parseCidr } from './parse-cidr.js';
import { parseIp } from './parse-ip.js';
import { reservedIpRanges } from './reserved-ip-ranges.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';

const ip = (text: string): Ip => {
  const parsed = parseIp(text);
  if (parsed === undefined) throw new Error(text);
  return parsed;
};
const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!('cidr' in parsed)) throw new Error(parsed.error);
  return parsed.cidr;
};

// The subnet of MAAS's API example (src/maasserver/api/examples/subnets.json,
// "subnets-reserved-ips" and "subnets-unreserved-ips").
const exampleSubnet: SubnetUsageInput = {
  cidr: cidr('172.16.2.0/24'),
  managed: true,
  gatewayIp: ip('172.16.2.1'),
  dnsServers: [ip('fcb0:c682:8c15:817d:7d80:2713:e225:5624'), ip('120.129.237.29')],
  staticRouteGateways: [ip('172.16.2.101'), ip('172.16.2.174'), ip('172.16.2.237')],
  ranges: [],
  assigned: [3, 4, 11, 26, 62, 63, 109, 111, 116, 134, 206, 235, 252].map((n) => ip(`172.16.2.${n}`).value),
};

describe(reservedIpRanges, () => {
  it("reproduces MAAS's example", () => {
    const one = (n: number, purpose: string) => ({
      start: `172.16.2.${n}`,
      end: `172.16.2.${n}`,
      num_addresses: 1n,
      purpose: [purpose],
    });
    expect(reservedIpRanges(exampleSubnet)).toEqual([
      one(1, 'gateway-ip'),
      { start: '172.16.2.3', end: '172.16.2.4', num_addresses: 2n, purpose: ['assigned-ip'] },
      one(11, 'assigned-ip'),
      one(26, 'assigned-ip'),
      { start: '172.16.2.62', end: '172.16.2.63', num_addresses: 2n, purpose: ['assigned-ip'] },
      one(101, 'gateway-ip'),
      one(109, 'assigned-ip'),
      one(111, 'assigned-ip'),
      one(116, 'assigned-ip'),
      one(134, 'assigned-ip'),
      one(174, 'gateway-ip'),
      one(206, 'assigned-ip'),
      one(235, 'assigned-ip'),
      one(237, 'gateway-ip'),
      one(252, 'assigned-ip'),
    ]);
  });

  it('is empty for an empty IPv4 subnet', () => {
    expect(
      reservedIpRanges({
        cidr: cidr('10.0.0.0/24'),
        managed: true,
        dnsServers: [],
        ranges: [],
        assigned: [],
      }),
    ).toEqual([]);
  });

  it('shows the anycast address of an empty IPv6 subnet', () => {
    expect(
      reservedIpRanges({
        cidr: cidr('2001:db8::/80'),
        managed: true,
        dnsServers: [],
        ranges: [],
        assigned: [],
      }),
    ).toEqual([{ start: '2001:db8::', end: '2001:db8::', num_addresses: 1n, purpose: ['rfc-4291-2.6.1'] }]);
  });

  it('joins the purposes of uses that overlap', () => {
    expect(
      reservedIpRanges({
        cidr: cidr('10.0.0.0/24'),
        managed: true,
        dnsServers: [],
        ranges: [{ type: 'dynamic', first: ip('10.0.0.100').value, last: ip('10.0.0.200').value }],
        assigned: [ip('10.0.0.150').value],
      }),
    ).toEqual([
      { start: '10.0.0.100', end: '10.0.0.200', num_addresses: 101n, purpose: ['assigned-ip', 'dynamic'] },
    ]);
  });

  it('lists reserved ranges as reserved on an unmanaged subnet too', () => {
    const input = {
      cidr: cidr('10.0.0.0/24'),
      dnsServers: [],
      ranges: [{ type: 'reserved' as const, first: ip('10.0.0.10').value, last: ip('10.0.0.20').value }],
      assigned: [],
    };
    expect(reservedIpRanges({ ...input, managed: false })).toEqual(
      reservedIpRanges({ ...input, managed: true }),
    );
    expect(reservedIpRanges({ ...input, managed: false })[0]?.purpose).toEqual(['reserved']);
  });

  it('covers exactly the used addresses of the subnet', () => {
    const subnet = fc
      .tuple(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 26, max: 32 }))
      .map(([v, p]) => makeCidr(4, v, p));
    const input = subnet.chain((c) => {
      const near = fc.bigInt({ min: c.first < 3n ? 0n : c.first - 3n, max: c.last + 3n });
      return fc.record({
        cidr: fc.constant(c),
        gateway: fc.option(near, { nil: undefined }),
        assigned: fc.array(near, { maxLength: 20 }),
        ranges: fc.array(fc.tuple(near, near), { maxLength: 3 }),
      });
    });
    fc.assert(
      fc.property(input, ({ cidr: c, gateway, assigned, ranges }) => {
        const spans = ranges.map(([a, b]) => ({
          type: 'reserved' as const,
          first: a < b ? a : b,
          last: a < b ? b : a,
        }));
        const result = reservedIpRanges({
          cidr: c,
          managed: true,
          gatewayIp: gateway === undefined ? undefined : { family: 4, value: gateway },
          dnsServers: [],
          ranges: spans,
          assigned,
        });
        const covered = new Set<bigint>();
        for (const r of result) {
          for (let a = ip(r.start).value; a <= ip(r.end).value; a += 1n) covered.add(a);
          expect(r.num_addresses).toBe(ip(r.end).value - ip(r.start).value + 1n);
        }
        for (let a = c.first; a <= c.last; a += 1n) {
          const used =
            a === gateway || assigned.includes(a) || spans.some((s) => s.first <= a && a <= s.last);
          expect(covered.has(a)).toBe(used);
        }
        expect([...covered].every((a) => a >= c.first && a <= c.last)).toBe(true);
      }),
    );
  });
});
