import { describe, expect, it } from 'vitest';
import { makeCidr } from './make-cidr.js';
import { usedRanges } from './used-ranges.js';

const cidr = makeCidr(4, 0x0a000000n, 24);
const at = (n: number): bigint => 0x0a000000n + BigInt(n);

describe(usedRanges, () => {
  const input = {
    cidr,
    managed: true,
    gatewayIp: { family: 4 as const, value: at(1) },
    dnsServers: [
      { family: 4 as const, value: at(2) },
      { family: 4 as const, value: 0x08080808n },
    ],
    staticRouteGateways: [{ family: 4 as const, value: at(3) }],
    ranges: [
      { type: 'dynamic' as const, first: at(100), last: at(200) },
      { type: 'reserved' as const, first: at(10), last: at(20), comment: 'switches' },
    ],
    assigned: [at(50)],
  };

  it('lists every use inside the subnet with its purpose', () => {
    expect(usedRanges(input)).toEqual([
      { first: at(1), last: at(1), purpose: 'gateway-ip' },
      { first: at(3), last: at(3), purpose: 'gateway-ip' },
      { first: at(2), last: at(2), purpose: 'dns-server' },
      { first: at(50), last: at(50), purpose: 'assigned-ip' },
      { first: at(100), last: at(200), purpose: 'dynamic' },
      { first: at(10), last: at(20), purpose: 'reserved' },
    ]);
  });

  it('leaves out the kinds it is told to', () => {
    expect(usedRanges(input, { gatewayAndDns: false, assigned: false, reserved: false })).toEqual([
      { first: at(100), last: at(200), purpose: 'dynamic' },
    ]);
  });

  it('ignores a gateway outside the subnet (an IPv6 link-local router)', () => {
    const v6 = makeCidr(6, 0x20010db8n << 96n, 64);
    const used = usedRanges({
      cidr: v6,
      managed: true,
      gatewayIp: { family: 6, value: (0xfe80n << 112n) | 1n },
      dnsServers: [],
      ranges: [],
      assigned: [],
    });
    expect(used.map((u) => u.purpose)).toEqual(['reserved', 'rfc-4291-2.6.1']);
  });
});
