import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyFamilySubnetUsage } from './any-family-subnet-usage.js';
import type { Ip } from './ip.js';
import { ipv4SubnetUsage } from './ipv4-subnet-usage.js';
import { makeCidr } from './make-cidr.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';

const top = 0xffffffffn;

// IPv4 subnets from /20 to /32 anywhere (0.0.0.0 and 255.255.255.255 included), with uses
// inside, around and outside them; assigned addresses repeated and in any order.
const ipv4Input = fc
  .tuple(fc.bigInt({ min: 0n, max: top }), fc.integer({ min: 20, max: 32 }))
  .map(([v, p]) => makeCidr(4, v, p))
  .chain((c) => {
    const near = fc.oneof(
      fc.bigInt({ min: c.first < 3n ? 0n : c.first - 3n, max: c.last + 3n > top ? top : c.last + 3n }),
      fc.bigInt({ min: c.first, max: c.first + 40n > c.last ? c.last : c.first + 40n }),
      fc.constantFrom(c.first, c.last, c.first + (c.size >> 1n)),
    );
    const address = near.map((value): Ip => ({ family: 4, value }));
    return fc.record({
      cidr: fc.constant(c),
      managed: fc.boolean(),
      gatewayIp: fc.option(address, { nil: undefined }),
      dnsServers: fc.array(address, { maxLength: 3 }),
      staticRouteGateways: fc.array(address, { maxLength: 2 }),
      ranges: fc.array(
        fc
          .tuple(near, near, fc.constantFrom('dynamic' as const, 'reserved' as const))
          .map(([a, b, type]) => ({ type, first: a < b ? a : b, last: a < b ? b : a })),
        { maxLength: 4 },
      ),
      assigned: fc.array(near, { maxLength: 200 }),
    });
  });

/** The same addresses as a Uint32Array, sorted or as given. */
const asUint32 = (input: SubnetUsageInput, sorted: boolean): SubnetUsageInput => {
  const values = Uint32Array.from(input.assigned, Number);
  return { ...input, assigned: sorted ? values.sort() : values };
};

describe(ipv4SubnetUsage, () => {
  it('equals the bigint walk on any IPv4 subnet, addresses as bigints or a Uint32Array', () => {
    fc.assert(
      fc.property(ipv4Input, fc.boolean(), (input, sorted) => {
        const expected = anyFamilySubnetUsage(input, { ranges: false });
        expect(ipv4SubnetUsage(input)).toEqual(expected);
        expect(ipv4SubnetUsage(asUint32(input, sorted))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves an unsorted Uint32Array of addresses as it was', () => {
    const cidr = makeCidr(4, 0x0a000000n, 24);
    const assigned = Uint32Array.of(0x0a000009, 0x0a000003, 0x0a000003);
    const usage = ipv4SubnetUsage({ cidr, managed: true, dnsServers: [], ranges: [], assigned });
    expect([...assigned]).toEqual([0x0a000009, 0x0a000003, 0x0a000003]);
    expect(usage).toMatchObject({
      numUnavailable: 2n,
      numAvailable: 252n,
      firstUnused: { first: 0x0a000001n, last: 0x0a000002n, purposes: ['unused'] },
      largestUnused: { first: 0x0a00000an, last: 0x0a0000fen, purposes: ['unused'] },
    });
  });
});
