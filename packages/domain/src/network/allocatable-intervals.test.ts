import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocatableIntervals } from './allocatable-intervals.js';
import type { Ip } from './ip.js';
import type { IpInterval } from './ip-interval.js';
import { makeCidr } from './make-cidr.js';

const base = 0x0a000000n;
const at = (n: number): bigint => base + BigInt(n);

// Subnets of at most 64 addresses, every address checked one by one.
const input = fc
  .oneof(
    fc
      .tuple(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 26, max: 32 }))
      .map(([v, p]) => makeCidr(4, v, p)),
    fc
      .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 122, max: 128 }))
      .map(([v, p]) => makeCidr(6, v, p)),
  )
  .chain((c) => {
    const inside = fc.bigInt({ min: c.first, max: c.last });
    const address = inside.map((value): Ip => ({ family: c.family, value }));
    return fc.record({
      cidr: fc.constant(c),
      managed: fc.boolean(),
      gatewayIp: fc.option(address, { nil: undefined }),
      dnsServers: fc.array(address, { maxLength: 3 }),
      staticRouteGateways: fc.array(address, { maxLength: 2 }),
      ranges: fc.array(
        fc
          .tuple(inside, inside, fc.constantFrom('dynamic' as const, 'reserved' as const))
          .map(([a, b, type]) => ({ type, first: a < b ? a : b, last: a < b ? b : a })),
        { maxLength: 4 },
      ),
    });
  });

const inAny = (a: bigint, list: readonly IpInterval[]): boolean =>
  list.some((i) => i.first <= a && a <= i.last);

describe(allocatableIntervals, () => {
  it('avoids the gateway, DNS servers and every range on a managed subnet', () => {
    expect(
      allocatableIntervals({
        cidr: makeCidr(4, base, 24),
        managed: true,
        gatewayIp: { family: 4, value: at(1) },
        dnsServers: [{ family: 4, value: at(2) }],
        ranges: [
          { type: 'dynamic', first: at(100), last: at(199) },
          { type: 'reserved', first: at(10), last: at(19) },
        ],
      }),
    ).toEqual([
      { first: at(3), last: at(9) },
      { first: at(20), last: at(99) },
      { first: at(200), last: at(254) },
    ]);
  });

  it('uses only reserved ranges on an unmanaged subnet', () => {
    expect(
      allocatableIntervals({
        cidr: makeCidr(4, base, 24),
        managed: false,
        gatewayIp: { family: 4, value: at(10) },
        dnsServers: [],
        ranges: [
          { type: 'reserved', first: at(10), last: at(19) },
          { type: 'dynamic', first: at(15), last: at(30) },
        ],
      }),
    ).toEqual([{ first: at(11), last: at(14) }]);
  });

  it('keeps clear of what MAAS holds back on a /64', () => {
    const v6 = 0x20010db8n << 96n;
    expect(
      allocatableIntervals({ cidr: makeCidr(6, v6, 64), managed: true, dnsServers: [], ranges: [] }),
    ).toEqual([{ first: v6 + 0x100000000n, last: v6 + (1n << 64n) - 1n }]);
  });

  it('never offers the gateway, a DNS server, a range to avoid, network or broadcast', () => {
    fc.assert(
      fc.property(input, (subnet) => {
        const result = allocatableIntervals(subnet);
        const { cidr: c } = subnet;
        const reserved = subnet.ranges.filter((r) => r.type === 'reserved');
        const dynamic = subnet.ranges.filter((r) => r.type === 'dynamic');
        const singles = [
          ...(subnet.gatewayIp ? [subnet.gatewayIp] : []),
          ...subnet.dnsServers,
          ...subnet.staticRouteGateways,
        ];
        for (let a = c.first; a <= c.last; a += 1n) {
          const networkOrBroadcast =
            c.family === 4
              ? c.prefix < 31 && (a === c.first || a === c.last)
              : c.prefix < 127 && a === c.first;
          const allowed =
            !networkOrBroadcast &&
            !singles.some((s) => s.value === a) &&
            !inAny(a, dynamic) &&
            (subnet.managed ? !inAny(a, reserved) : inAny(a, reserved));
          expect(inAny(a, result)).toBe(allowed);
        }
        for (const i of result) expect(i.first >= c.first && i.last <= c.last).toBe(true);
        for (let i = 1; i < result.length; i += 1)
          expect(result[i]!.first).toBeGreaterThan(result[i - 1]!.last + 1n);
      }),
    );
  });
});
