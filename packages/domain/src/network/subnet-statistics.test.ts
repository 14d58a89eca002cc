import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import type { Ip } from './ip.js';
import { makeCidr } from './make-cidr.js';
import { parseCidr } from './parse-cidr.js';
import { parseIp } from './parse-ip.js';
import { stringifyJson } from './stringify-json.js';
import { subnetStatistics } from './subnet-statistics.js';
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
const empty = (text: string): SubnetUsageInput => ({
  cidr: cidr(text),
  managed: true,
  dnsServers: [],
  ranges: [],
  assigned: [],
});
const all = { includeRanges: true, includeSuggestions: true };

// Subnets of at most 64 addresses, so that every address can be checked one by one.
const smallInput = fc
  .oneof(
    fc
      .tuple(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 26, max: 32 }))
      .map(([v, p]) => makeCidr(4, v, p)),
    fc
      .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 122, max: 128 }))
      .map(([v, p]) => makeCidr(6, v, p)),
  )
  .chain((c) => {
    const top = c.family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
    const near = fc.bigInt({
      min: c.first < 2n ? 0n : c.first - 2n,
      max: c.last + 2n > top ? top : c.last + 2n,
    });
    const inside = fc.bigInt({ min: c.first, max: c.last });
    const address = near.map((value): Ip => ({ family: c.family, value }));
    return fc.record({
      cidr: fc.constant(c),
      managed: fc.boolean(),
      gatewayIp: fc.option(address, { nil: undefined }),
      dnsServers: fc.array(address, { maxLength: 3 }),
      ranges: fc.array(
        fc
          .tuple(inside, inside, fc.constantFrom('dynamic' as const, 'reserved' as const))
          .map(([a, b, type]) => ({ type, first: a < b ? a : b, last: a < b ? b : a })),
        { maxLength: 3 },
      ),
      assigned: fc.array(near, { maxLength: 30 }),
    });
  });

/** Brute force: is the address used, is it usable. */
function model(input: SubnetUsageInput): { used: (a: bigint) => boolean; usable: (a: bigint) => boolean } {
  const { cidr: c } = input;
  const inside = (a: bigint) => a >= c.first && a <= c.last;
  const singles = new Set<bigint>(
    [...(input.gatewayIp ? [input.gatewayIp] : []), ...input.dnsServers]
      .filter((i) => i.family === c.family)
      .map((i) => i.value)
      .concat(Array.from(input.assigned, BigInt)),
  );
  const used = (a: bigint) =>
    inside(a) &&
    ((c.family === 6 && c.prefix < 127 && a === c.network) ||
      singles.has(a) ||
      input.ranges.some((r) => r.first <= a && a <= r.last));
  const usable = (a: bigint) => {
    if (!inside(a)) return false;
    if (c.family === 4) return c.prefix >= 31 || (a !== c.first && a !== c.last);
    return c.prefix >= 127 || a !== c.first;
  };
  return { used, usable };
}

describe(subnetStatistics, () => {
  it("gives MAAS's figures for MAAS's example subnet", () => {
    const input: SubnetUsageInput = {
      cidr: cidr('172.16.2.0/24'),
      managed: true,
      gatewayIp: ip('172.16.2.1'),
      dnsServers: [ip('120.129.237.29')],
      staticRouteGateways: [ip('172.16.2.101'), ip('172.16.2.174'), ip('172.16.2.237')],
      ranges: [],
      assigned: [3, 4, 11, 26, 62, 63, 109, 111, 116, 134, 206, 235, 252].map(
        (n) => ip(`172.16.2.${n}`).value,
      ),
    };
    expect(subnetStatistics(input, { includeRanges: false, includeSuggestions: false })).toEqual({
      num_available: 237n,
      largest_available: 39n,
      num_unavailable: 17n,
      total_addresses: 254n,
      usage: 17 / 254,
      usage_string: '7%',
      available_string: '93%',
      first_address: '172.16.2.1',
      last_address: '172.16.2.254',
      ip_version: 4,
    });
  });

  it("renders the keys in MAAS's order, counts as exact integers", () => {
    const text = stringifyJson(
      subnetStatistics(empty('10.0.0.0/24'), { includeRanges: false, includeSuggestions: false }),
    );
    expect(text).toBe(
      '{"num_available":254,"largest_available":254,"num_unavailable":0,"total_addresses":254,"usage":0,' +
        '"usage_string":"0%","available_string":"100%","first_address":"10.0.0.1","last_address":"10.0.0.254","ip_version":4}',
    );
  });

  it('counts an IPv6 /64 exactly: 2^64 addresses, MAAS holding back the anycast one and ::1–::ffff:ffff', () => {
    const stats = subnetStatistics(empty('2001:db8:42::/64'), all);
    expect(stats.total_addresses).toBe(1n << 64n);
    expect(stats.num_unavailable).toBe(1n << 32n);
    expect(stats.num_available).toBe((1n << 64n) - (1n << 32n));
    expect(stats.largest_available).toBe(stats.num_available);
    expect(stats.usage).toBe(2 ** -32);
    expect(stats.usage_string).toBe('0%');
    expect(stats.available_string).toBe('100%');
    expect(stats.first_address).toBe('2001:db8:42::');
    expect(stats.last_address).toBe('2001:db8:42:0:ffff:ffff:ffff:ffff');
    expect(stats.ip_version).toBe(6);
    expect(stats.ranges).toEqual([
      { start: '2001:db8:42::', end: '2001:db8:42::', num_addresses: 1n, purpose: ['rfc-4291-2.6.1'] },
      {
        start: '2001:db8:42::1',
        end: '2001:db8:42::ffff:ffff',
        num_addresses: 0xffffffffn,
        purpose: ['reserved'],
      },
      {
        start: '2001:db8:42::1:0:0',
        end: '2001:db8:42:0:ffff:ffff:ffff:ffff',
        num_addresses: (1n << 64n) - (1n << 32n),
        purpose: ['unused'],
      },
    ]);
    expect(stringifyJson(stats)).toContain('"total_addresses":18446744073709551616');
  });

  it('counts reserved ranges as used on an unmanaged subnet too, as MAAS does', () => {
    const input = {
      ...empty('10.0.0.0/24'),
      ranges: [{ type: 'reserved' as const, first: ip('10.0.0.10').value, last: ip('10.0.0.19').value }],
    };
    const unmanaged = subnetStatistics({ ...input, managed: false }, all);
    expect(unmanaged).toEqual(subnetStatistics(input, all));
    expect(unmanaged.num_unavailable).toBe(10n);
  });

  it('leaves ranges and suggestions out unless asked', () => {
    const stats = subnetStatistics(empty('10.0.0.0/24'), { includeRanges: false, includeSuggestions: false });
    expect(stats).not.toHaveProperty('ranges');
    expect(stats).not.toHaveProperty('suggested_gateway');
    expect(stats).not.toHaveProperty('suggested_dynamic_range');
  });

  describe('suggestions', () => {
    it('suggests the first address as gateway and the top quarter as dynamic range', () => {
      const stats = subnetStatistics(empty('10.0.0.0/24'), all);
      expect(stats.suggested_gateway).toBe('10.0.0.1');
      // MAAS: first = last − total/4, so one address more than a quarter.
      expect(stats.suggested_dynamic_range).toEqual({
        start: '10.0.0.191',
        end: '10.0.0.254',
        num_addresses: 64n,
        purpose: ['proposed-dynamic'],
      });
    });

    it('suggests the last address when the first is taken, then the first free one', () => {
      const input = empty('10.0.0.0/24');
      expect(subnetStatistics({ ...input, assigned: [ip('10.0.0.1').value] }, all).suggested_gateway).toBe(
        '10.0.0.254',
      );
      const both = [ip('10.0.0.1').value, ip('10.0.0.254').value, ip('10.0.0.2').value];
      expect(subnetStatistics({ ...input, assigned: both }, all).suggested_gateway).toBe('10.0.0.3');
    });

    it('suggests nothing that is already configured', () => {
      const stats = subnetStatistics(
        {
          ...empty('10.0.0.0/24'),
          gatewayIp: ip('10.0.0.1'),
          ranges: [{ type: 'dynamic', first: ip('10.0.0.100').value, last: ip('10.0.0.150').value }],
        },
        all,
      );
      expect(stats.suggested_gateway).toBeNull();
      expect(stats.suggested_dynamic_range).toBeNull();
    });

    it('takes at most half of what is free', () => {
      // 10.0.0.0/26: .1–.62 usable; leave .50–.62 (13) free beside a used block.
      const input = {
        ...empty('10.0.0.0/26'),
        gatewayIp: ip('10.0.0.1'),
        ranges: [{ type: 'reserved' as const, first: ip('10.0.0.2').value, last: ip('10.0.0.49').value }],
      };
      const stats = subnetStatistics(input, all);
      // total 62 → quarter 15; candidate 13 ≤ 15 and ≥ half of 13 (6) → last 6 addresses.
      expect(stats.suggested_dynamic_range).toEqual({
        start: '10.0.0.57',
        end: '10.0.0.62',
        num_addresses: 6n,
        purpose: ['proposed-dynamic'],
      });
    });

    it('suggests no dynamic range when the only free address becomes the gateway', () => {
      const input = {
        ...empty('10.0.0.0/29'),
        ranges: [{ type: 'reserved' as const, first: ip('10.0.0.2').value, last: ip('10.0.0.6').value }],
      };
      const stats = subnetStatistics(input, all);
      expect(stats.suggested_gateway).toBe('10.0.0.1');
      expect(stats.suggested_dynamic_range).toBeNull();
    });

    it('suggests the subnet-router anycast address as IPv6 gateway, none on a /127', () => {
      expect(subnetStatistics(empty('2001:db8::/64'), all).suggested_gateway).toBe('2001:db8::');
      expect(subnetStatistics(empty('2001:db8::/127'), all).suggested_gateway).toBeNull();
    });
  });

  describe('speed', () => {
    const base = ip('10.20.0.0').value;
    // Spread out so that the ranges do not collapse: every sixth address, some pairs.
    const assigned = Array.from(
      { length: 10_000 },
      (_, i) => base + 2n + BigInt(i * 6 + (i % 3 === 0 ? 1 : 0)),
    );
    const v4: SubnetUsageInput = {
      cidr: cidr('10.20.0.0/16'),
      managed: true,
      gatewayIp: ip('10.20.0.1'),
      dnsServers: [ip('10.20.0.2')],
      ranges: [{ type: 'dynamic', first: ip('10.20.250.0').value, last: ip('10.20.255.200').value }],
      assigned: [...assigned].reverse(),
    };
    const v6: SubnetUsageInput = {
      ...empty('2001:db8::/64'),
      assigned: assigned.map((a) => (0x20010db8n << 96n) + (1n << 40n) + a),
    };
    // The best of many runs, so that other test files sharing the CPU do not decide the result.
    const best = (run: () => unknown): number => {
      for (let i = 0; i < 5; i += 1) run();
      let fastest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 20; i += 1) {
        const start = performance.now();
        run();
        fastest = Math.min(fastest, performance.now() - start);
      }
      return fastest;
    };
    const figures = { includeRanges: false, includeSuggestions: true };

    it('computes a /16 with 10,000 assigned addresses well under 10 ms', () => {
      expect(best(() => subnetStatistics(v4, figures))).toBeLessThan(10);
      expect(subnetStatistics(v4, figures).num_unavailable).toBe(10_000n + 2n + BigInt(256 * 5 + 201));
    });

    it('computes a /64 with 10,000 assigned addresses in under 10 ms', () => {
      expect(best(() => subnetStatistics(v6, figures))).toBeLessThan(10);
      expect(subnetStatistics(v6, figures).num_unavailable).toBe(10_000n + (1n << 32n));
    });

    it('lists 20,000 ranges in time linear in their number', () => {
      // Rendering is string work (~1 µs an address); a quadratic walk would take seconds.
      expect(best(() => subnetStatistics(v6, all))).toBeLessThan(250);
      // Gateway, DNS server, 10,000 assigned addresses and the 9,999 gaps between them, the
      // free block before the dynamic range, the dynamic range, the free block after it.
      expect(subnetStatistics(v4, all).ranges).toHaveLength(20_004);
    });
  });

  it('counts every address once: available + unavailable = total = usable ∪ used', () => {
    fc.assert(
      fc.property(smallInput, (input) => {
        const stats = subnetStatistics(input, all);
        const { used, usable } = model(input);
        let total = 0n;
        let unavailable = 0n;
        let available = 0n;
        let run = 0n;
        let largest = 0n;
        for (let a = input.cidr.first; a <= input.cidr.last; a += 1n) {
          if (used(a) || usable(a)) total += 1n;
          if (used(a)) unavailable += 1n;
          const free = usable(a) && !used(a);
          if (free) available += 1n;
          run = free ? run + 1n : 0n;
          if (run > largest) largest = run;
        }
        expect(stats.num_available + stats.num_unavailable).toBe(stats.total_addresses);
        expect(stats.total_addresses).toBe(total);
        expect(stats.num_unavailable).toBe(unavailable);
        expect(stats.num_available).toBe(available);
        expect(stats.largest_available).toBe(largest);
        expect(stats.largest_available).toBeLessThanOrEqual(stats.num_available);
        expect(stats.usage).toBe(Number(unavailable) / Number(total));
      }),
    );
  });

  it('partitions the subnet into ranges: contiguous, disjoint, `unused` exactly where free', () => {
    fc.assert(
      fc.property(smallInput, (input) => {
        const stats = subnetStatistics(input, all);
        const { used } = model(input);
        const ranges = stats.ranges ?? [];
        expect(ranges.length).toBeGreaterThan(0);
        expect(ranges[0]?.start).toBe(stats.first_address);
        expect(ranges.at(-1)?.end).toBe(stats.last_address);
        let expectedStart = ip(stats.first_address).value;
        let sum = 0n;
        for (const r of ranges) {
          const first = ip(r.start).value;
          const last = ip(r.end).value;
          expect(first).toBe(expectedStart);
          expect(r.num_addresses).toBe(last - first + 1n);
          for (let a = first; a <= last; a += 1n) expect(r.purpose.includes('unused')).toBe(!used(a));
          sum += r.num_addresses;
          expectedStart = last + 1n;
        }
        expect(sum).toBe(stats.total_addresses);
      }),
    );
  });

  it('gives the same figures and suggestions without the ranges, addresses as bigints or a Uint32Array', () => {
    const figures = { includeRanges: false, includeSuggestions: true };
    fc.assert(
      fc.property(smallInput, (input) => {
        const { ranges, ...expected } = subnetStatistics(input, all);
        expect(ranges).toBeDefined();
        expect(subnetStatistics(input, figures)).toEqual(expected);
        if (input.cidr.family === 4) {
          const assigned = Uint32Array.from(input.assigned, Number);
          expect(subnetStatistics({ ...input, assigned }, figures)).toEqual(expected);
          expect(subnetStatistics({ ...input, assigned }, all)).toEqual({ ...expected, ranges });
        }
      }),
    );
  });

  it('suggests a free gateway and a free dynamic range inside the subnet', () => {
    fc.assert(
      fc.property(smallInput, (input) => {
        const stats = subnetStatistics(input, all);
        const { used, usable } = model(input);
        const gateway = stats.suggested_gateway;
        if (gateway !== null && gateway !== undefined && input.cidr.family === 4) {
          expect(usable(ip(gateway).value) && !used(ip(gateway).value)).toBe(true);
        }
        const range = stats.suggested_dynamic_range;
        if (range !== null && range !== undefined) {
          for (let a = ip(range.start).value; a <= ip(range.end).value; a += 1n) {
            expect(usable(a) && !used(a)).toBe(true);
            if (gateway !== null && gateway !== undefined) expect(a).not.toBe(ip(gateway).value);
          }
        }
      }),
    );
  });
});
