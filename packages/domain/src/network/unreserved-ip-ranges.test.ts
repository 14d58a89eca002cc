import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import type { Ip } from './ip.js';
import { parseCidr } from './parse-cidr.js';
import { parseIp } from './parse-ip.js';
import type { SubnetUsageInput } from './subnet-usage-input.js';
import { unreservedIpRanges } from './unreserved-ip-ranges.js';

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

describe(unreservedIpRanges, () => {
  it("reproduces MAAS's example", () => {
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
    const spans = [
      [2, 2],
      [5, 10],
      [12, 25],
      [27, 61],
      [64, 100],
      [102, 108],
      [110, 110],
      [112, 115],
      [117, 133],
      [135, 173],
      [175, 205],
      [207, 234],
      [236, 236],
      [238, 251],
      [253, 254],
    ] as const;
    expect(unreservedIpRanges(input)).toEqual(
      spans.map(([a, b]) => ({
        start: `172.16.2.${a}`,
        end: `172.16.2.${b}`,
        num_addresses: BigInt(b - a + 1),
      })),
    );
  });

  it('gives the whole usable range of an empty subnet', () => {
    expect(unreservedIpRanges(empty('10.0.0.0/24'))).toEqual([
      { start: '10.0.0.1', end: '10.0.0.254', num_addresses: 254n },
    ]);
    expect(unreservedIpRanges(empty('2001:db8::/112'))).toEqual([
      { start: '2001:db8::1', end: '2001:db8::ffff', num_addresses: 65535n },
    ]);
  });

  it('skips the range MAAS holds back on a /64', () => {
    expect(unreservedIpRanges(empty('2001:db8::/64'))).toEqual([
      {
        start: '2001:db8::1:0:0',
        end: '2001:db8::ffff:ffff:ffff:ffff',
        num_addresses: (1n << 64n) - (1n << 32n),
      },
    ]);
  });

  it('is empty when ranges fill the subnet', () => {
    const input = empty('10.0.0.0/24');
    expect(
      unreservedIpRanges({
        ...input,
        gatewayIp: ip('10.0.0.1'),
        ranges: [{ type: 'reserved', first: ip('10.0.0.2').value, last: ip('10.0.0.254').value }],
      }),
    ).toEqual([]);
  });

  it('lists only the free parts of reserved ranges on an unmanaged subnet', () => {
    // MAAS's picture in Subnet.get_ipranges_not_in_use: X . R Rx . X → only 3 is free.
    const base = ip('10.0.0.0').value;
    const input: SubnetUsageInput = {
      cidr: cidr('10.0.0.0/29'),
      managed: false,
      dnsServers: [],
      ranges: [{ type: 'reserved', first: base + 3n, last: base + 4n }],
      assigned: [base + 1n, base + 4n, base + 6n],
    };
    expect(unreservedIpRanges(input)).toEqual([{ start: '10.0.0.3', end: '10.0.0.3', num_addresses: 1n }]);
    expect(unreservedIpRanges({ ...input, managed: true })).toEqual([
      { start: '10.0.0.2', end: '10.0.0.2', num_addresses: 1n },
      { start: '10.0.0.5', end: '10.0.0.5', num_addresses: 1n },
    ]);
  });

  it('lists nothing on an unmanaged subnet without reserved ranges', () => {
    expect(unreservedIpRanges({ ...empty('10.0.0.0/24'), managed: false })).toEqual([]);
  });
});
