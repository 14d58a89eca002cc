import { describe, expect, it } from 'vitest';
import { makeCidr } from './make-cidr.js';
import { subnetUsage } from './subnet-usage.js';

const base = 0x0a000000n;

describe(subnetUsage, () => {
  it('covers the subnet with used and unused ranges and counts them', () => {
    const usage = subnetUsage({
      cidr: makeCidr(4, base, 29),
      managed: true,
      gatewayIp: { family: 4, value: base + 1n },
      dnsServers: [],
      ranges: [{ type: 'dynamic', first: base + 4n, last: base + 5n }],
      assigned: [],
    });
    expect(usage.ranges).toEqual([
      { first: base + 1n, last: base + 1n, purposes: ['gateway-ip'] },
      { first: base + 2n, last: base + 3n, purposes: ['unused'] },
      { first: base + 4n, last: base + 5n, purposes: ['dynamic'] },
      { first: base + 6n, last: base + 6n, purposes: ['unused'] },
    ]);
    expect(usage).toMatchObject({ numAvailable: 3n, numUnavailable: 3n, hasGateway: true, hasDynamic: true });
    // MAAS's get_largest_unused_block keeps the last of equally large blocks.
    expect(
      subnetUsage({
        cidr: makeCidr(4, base, 29),
        managed: true,
        dnsServers: [],
        ranges: [],
        assigned: [base + 3n],
      }).largestUnused,
    ).toEqual({
      first: base + 4n,
      last: base + 6n,
      purposes: ['unused'],
    });
  });

  it('counts an address outside the usable ones that is in use', () => {
    // The broadcast address, assigned: MAAS counts it, so total becomes 255 on a /24.
    const usage = subnetUsage({
      cidr: makeCidr(4, base, 24),
      managed: true,
      dnsServers: [],
      ranges: [],
      assigned: [base + 255n],
    });
    expect(usage.numAvailable + usage.numUnavailable).toBe(255n);
    expect(usage.ranges?.at(-1)).toEqual({
      first: base + 255n,
      last: base + 255n,
      purposes: ['assigned-ip'],
    });
  });
});
