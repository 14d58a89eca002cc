import { describe, expect, it } from 'vitest';
import { checkSubnetFields } from './check-subnet-fields.js';
import { formatCidr } from './format-cidr.js';
import { formatIp } from './format-ip.js';

describe(checkSubnetFields, () => {
  it('accepts a subnet with a gateway inside and DNS servers anywhere', () => {
    const result = checkSubnetFields({ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', dnsServers: ['8.8.8.8'] });
    expect(result.errors).toEqual({});
    expect(result.cidr && formatCidr(result.cidr)).toBe('10.0.0.0/24');
    expect(result.gatewayIp && formatIp(result.gatewayIp)).toBe('10.0.0.1');
    expect(result.dnsServers?.map(formatIp)).toEqual(['8.8.8.8']);
  });

  it('normalises a CIDR with host bits set, as MAAS does', () => {
    const result = checkSubnetFields({ cidr: '192.168.1.77/24' });
    expect(result.errors).toEqual({});
    expect(result.cidr && formatCidr(result.cidr)).toBe('192.168.1.0/24');
  });

  it.each([
    'ten dot zero dot zero dot zero slash zero',
    '10.0.0.1',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0/8',
  ])("refuses %j with MAAS's format message", (cidr) => {
    expect(checkSubnetFields({ cidr }).errors).toEqual({ cidr: ['Required format: <network>/<prefixlen>.'] });
  });

  it('refuses a zero prefix length, IPv4 and IPv6', () => {
    expect(checkSubnetFields({ cidr: '0.0.0.0/0' }).errors).toEqual({
      cidr: ['Prefix length must be greater than 0.'],
    });
    expect(checkSubnetFields({ cidr: '::/0' }).errors).toEqual({
      cidr: ['Prefix length must be greater than 0.'],
    });
  });

  it('requires the CIDR', () => {
    expect(checkSubnetFields({ cidr: '' }).errors).toEqual({ cidr: ['This field is required.'] });
  });

  it('refuses a gateway outside the subnet or of the other family', () => {
    const message = { gateway_ip: ['Gateway IP must be within CIDR range.'] };
    expect(checkSubnetFields({ cidr: '10.0.0.0/24', gatewayIp: '10.0.1.1' }).errors).toEqual(message);
    expect(checkSubnetFields({ cidr: '10.0.0.0/24', gatewayIp: '::1' }).errors).toEqual(message);
    expect(checkSubnetFields({ cidr: '2001:db8::/64', gatewayIp: '10.0.0.1' }).errors).toEqual(message);
  });

  it('accepts an IPv6 link-local gateway on an IPv6 subnet, as MAAS does', () => {
    expect(checkSubnetFields({ cidr: '2001:db8::/64', gatewayIp: 'fe80::1' }).errors).toEqual({});
    expect(checkSubnetFields({ cidr: '2001:db8::/64', gatewayIp: 'febf::1' }).errors).toEqual({});
    expect(checkSubnetFields({ cidr: '2001:db8::/64', gatewayIp: 'fec0::1' }).errors).toHaveProperty(
      'gateway_ip',
    );
  });

  it('treats an empty gateway as none and refuses one that is not an address', () => {
    expect(checkSubnetFields({ cidr: '10.0.0.0/24', gatewayIp: '' })).toEqual({
      errors: {},
      cidr: checkSubnetFields({ cidr: '10.0.0.0/24' }).cidr,
    });
    expect(checkSubnetFields({ cidr: '10.0.0.0/24', gatewayIp: 'router' }).errors).toEqual({
      gateway_ip: ['Enter a valid IPv4 or IPv6 address.'],
    });
  });

  it('splits DNS server entries on commas and white space and names each bad one', () => {
    const result = checkSubnetFields({
      cidr: '10.0.0.0/24',
      dnsServers: ['8.8.8.8, 1.1.1.1', '2001:4860:4860::8888 dns', ''],
    });
    expect(result.dnsServers?.map(formatIp)).toEqual(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']);
    expect(result.errors).toEqual({
      dns_servers: ['Invalid IP address: dns; provide a list of space-separated IP addresses'],
    });
  });

  it('reports every field at once', () => {
    expect(Object.keys(checkSubnetFields({ cidr: 'x', gatewayIp: 'y', dnsServers: ['z'] }).errors)).toEqual([
      'cidr',
      'gateway_ip',
      'dns_servers',
    ]);
  });
});
