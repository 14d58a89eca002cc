import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cidr } from './cidr.js';
import { checkIpRange, type CheckIpRangeInput } from './check-ip-range.js';
import { formatIp } from './format-ip.js';
import type { Ip } from './ip.js';
import { makeCidr } from './make-cidr.js';
import { parseCidr } from './parse-cidr.js';
import { parseIp } from './parse-ip.js';

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
const v4: CheckIpRangeInput = {
  cidr: cidr('10.0.0.0/24'),
  type: 'dynamic',
  startIp: '10.0.0.100',
  endIp: '10.0.0.200',
  others: [],
  gatewayIp: ip('10.0.0.1'),
  managed: true,
};
const both = (message: string) => ({ start_ip: [message], end_ip: [message] });

describe(checkIpRange, () => {
  it('accepts a free range', () => {
    expect(checkIpRange(v4)).toEqual({});
    expect(checkIpRange({ ...v4, type: 'reserved' })).toEqual({});
  });

  it('checks the type and that both ends are addresses', () => {
    expect(checkIpRange({ ...v4, type: 'static' })).toEqual({
      type: ['Select a valid choice. static is not one of the available choices.'],
    });
    expect(checkIpRange({ ...v4, startIp: '10.0.0', endIp: '' })).toEqual({
      start_ip: ['Enter a valid IPv4 or IPv6 address.'],
      end_ip: ['This field is required.'],
    });
  });

  it('refuses ends of different families or in the wrong order', () => {
    expect(checkIpRange({ ...v4, endIp: '::1' })).toEqual(
      both('Start IP address and end IP address must be in the same address family.'),
    );
    expect(checkIpRange({ ...v4, startIp: '10.0.0.200', endIp: '10.0.0.100' })).toEqual({
      end_ip: ['End IP address must not be less than Start IP address.'],
    });
  });

  it('refuses addresses outside the subnet, naming which', () => {
    expect(checkIpRange({ ...v4, startIp: '10.0.1.1', endIp: '10.0.1.9' })).toEqual(
      both('IP addresses must be within subnet: 10.0.0.0/24.'),
    );
    expect(checkIpRange({ ...v4, startIp: '9.255.255.250' })).toEqual({
      start_ip: ['Start IP address must be within subnet: 10.0.0.0/24.'],
    });
    expect(checkIpRange({ ...v4, endIp: '10.0.1.5' })).toEqual({
      end_ip: ['End IP address must be within subnet: 10.0.0.0/24.'],
    });
    // A range of the other family is outside the subnet.
    expect(checkIpRange({ ...v4, startIp: '2001:db8::1', endIp: '2001:db8::ff' })).toEqual(
      both('IP addresses must be within subnet: 10.0.0.0/24.'),
    );
  });

  it('refuses the network and broadcast addresses', () => {
    expect(checkIpRange({ ...v4, startIp: '10.0.0.0' })).toEqual({
      start_ip: ['Reserved network address cannot be included in IP range.'],
    });
    expect(checkIpRange({ ...v4, endIp: '10.0.0.255' })).toEqual({
      end_ip: ['Broadcast address cannot be included in IP range.'],
    });
    // IPv6 has no broadcast address; its last address may end a range.
    const v6 = { ...v4, cidr: cidr('2001:db8::/120'), gatewayIp: undefined, type: 'reserved' };
    expect(checkIpRange({ ...v6, startIp: '2001:db8::10', endIp: '2001:db8::ff' })).toEqual({});
    expect(checkIpRange({ ...v6, startIp: '2001:db8::', endIp: '2001:db8::ff' })).toEqual({
      start_ip: ['Reserved network address cannot be included in IP range.'],
    });
  });

  it('refuses an IPv6 dynamic range of fewer than 256 addresses', () => {
    const v6 = { ...v4, cidr: cidr('2001:db8::/64'), gatewayIp: undefined };
    expect(checkIpRange({ ...v6, startIp: '2001:db8::1:0:0', endIp: '2001:db8::1:0:fe' })).toEqual(
      both('IPv6 dynamic range must be at least 256 addresses in size.'),
    );
    expect(checkIpRange({ ...v6, startIp: '2001:db8::1:0:0', endIp: '2001:db8::1:0:ff' })).toEqual({});
  });

  it('refuses a dynamic range containing the gateway, as MAAS does', () => {
    expect(checkIpRange({ ...v4, startIp: '10.0.0.1', endIp: '10.0.0.50' })).toEqual(
      both('Requested dynamic range conflicts with an existing IP address or range.'),
    );
    // A reserved range may cover the gateway.
    expect(checkIpRange({ ...v4, type: 'reserved', startIp: '10.0.0.1', endIp: '10.0.0.50' })).toEqual({});
  });

  it('refuses a dynamic range over DNS servers, static-route gateways or assigned addresses', () => {
    const message = both('Requested dynamic range conflicts with an existing IP address or range.');
    expect(checkIpRange({ ...v4, dnsServers: [ip('10.0.0.150')] })).toEqual(message);
    expect(checkIpRange({ ...v4, staticRouteGateways: [ip('10.0.0.150')] })).toEqual(message);
    expect(checkIpRange({ ...v4, assigned: [ip('10.0.0.150').value] })).toEqual(message);
    expect(checkIpRange({ ...v4, type: 'reserved', assigned: [ip('10.0.0.150').value] })).toEqual({});
  });

  it('refuses a dynamic range over a reserved IP', () => {
    expect(checkIpRange({ ...v4, reservedIps: [ip('10.0.0.150').value] })).toEqual({
      __all__: ['The dynamic IP range cannot include reserved IPs.'],
    });
  });

  it('refuses overlap with another range', () => {
    const others = [{ id: 7, type: 'dynamic', first: ip('10.0.0.150').value, last: ip('10.0.0.250').value }];
    expect(checkIpRange({ ...v4, others })).toEqual(
      both('Requested dynamic range conflicts with an existing IP address or range.'),
    );
    expect(checkIpRange({ ...v4, type: 'reserved', others })).toEqual(
      both('Requested reserved range conflicts with an existing range.'),
    );
    expect(checkIpRange({ ...v4, startIp: '10.0.0.100', endIp: '10.0.0.149', others })).toEqual({});
  });

  it('lets a reserved range overlap a dynamic one on an unmanaged subnet, not another reserved one', () => {
    const dynamic = [{ id: 1, type: 'dynamic', first: ip('10.0.0.150').value, last: ip('10.0.0.250').value }];
    const reserved = [
      { id: 2, type: 'reserved', first: ip('10.0.0.150').value, last: ip('10.0.0.250').value },
    ];
    const input = { ...v4, type: 'reserved', managed: false };
    expect(checkIpRange({ ...input, others: dynamic })).toEqual({});
    expect(checkIpRange({ ...input, others: reserved })).toEqual(
      both('Requested reserved range conflicts with an existing range.'),
    );
  });

  it('puts a dynamic range of an unmanaged subnet inside a reserved range', () => {
    const reserved = [
      { id: 2, type: 'reserved', first: ip('10.0.0.50').value, last: ip('10.0.0.250').value },
    ];
    const input = { ...v4, managed: false, others: reserved };
    expect(checkIpRange(input)).toEqual({});
    expect(checkIpRange({ ...input, startIp: '10.0.0.20' })).toEqual(
      both('Requested dynamic range conflicts with an existing IP address or range.'),
    );
    expect(checkIpRange({ ...input, others: [] })).toEqual(
      both('There is no room for any dynamic ranges on this subnet.'),
    );
  });

  it('lets an existing dynamic range grow over its own leases', () => {
    const input = { ...v4, assigned: [ip('10.0.0.120').value] };
    expect(checkIpRange(input)).toEqual(
      both('Requested dynamic range conflicts with an existing IP address or range.'),
    );
    const previous = { type: 'dynamic', first: ip('10.0.0.110').value, last: ip('10.0.0.130').value };
    expect(checkIpRange({ ...input, previous })).toEqual({});
    // Growing into an assigned address is still refused.
    expect(
      checkIpRange({ ...input, previous, assigned: [ip('10.0.0.120').value, ip('10.0.0.105').value] }),
    ).toEqual(both('Requested dynamic range conflicts with an existing IP address or range.'));
  });

  it('says when the subnet has no room left', () => {
    const all = [{ id: 1, type: 'reserved', first: ip('10.0.0.1').value, last: ip('10.0.0.254').value }];
    expect(checkIpRange({ ...v4, type: 'reserved', others: all })).toEqual(
      both('There is no room for any reserved ranges on this subnet.'),
    );
  });

  it('accepts a managed dynamic range exactly when all its addresses are free', () => {
    const base = 0x0a000000n;
    const c = makeCidr(4, base, 26);
    const offset = fc.integer({ min: 0, max: 63 });
    fc.assert(
      fc.property(
        offset,
        offset,
        fc.array(offset, { maxLength: 5 }),
        fc.array(fc.tuple(offset, offset), { maxLength: 2 }),
        (a, b, taken, ranges) => {
          const start = base + BigInt(Math.min(a, b));
          const end = base + BigInt(Math.max(a, b));
          const others = ranges.map(([x, y], id) => ({
            id,
            type: id % 2 === 0 ? 'dynamic' : 'reserved',
            first: base + BigInt(Math.min(x, y)),
            last: base + BigInt(Math.max(x, y)),
          }));
          const assigned = taken.map((t) => base + BigInt(t));
          const result = checkIpRange({
            ...v4,
            cidr: c,
            gatewayIp: undefined,
            startIp: formatIp({ family: 4, value: start }),
            endIp: formatIp({ family: 4, value: end }),
            others,
            assigned,
          });
          let free = start !== c.first && end !== c.last;
          for (let x = start; x <= end; x += 1n) {
            if (assigned.includes(x) || others.some((o) => o.first <= x && x <= o.last)) free = false;
          }
          expect(Object.keys(result).length === 0).toBe(free);
        },
      ),
    );
  });
});
