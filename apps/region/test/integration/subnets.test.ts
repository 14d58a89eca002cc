import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  auditDescriptions,
  changesAfter,
  insertMachineInterface,
  lastChangeId,
} from './fabrics-fixtures.js';

const region = useTestRegion();

interface Subnet {
  id: number;
  name: string;
  description: string;
  cidr: string;
  gateway_ip: string | null;
  dns_servers: string[];
  rdns_mode: number;
  allow_dns: boolean;
  allow_proxy: boolean;
  managed: boolean;
  active_discovery: boolean;
  disabled_boot_architectures: string[];
  space: string;
  vlan: { id: number; name: string; vid: number; fabric: string; fabric_id: number };
  resource_uri: string;
}

const admin = () => ({ key: region.adminKey });

async function create(form: Record<string, string | string[]>): Promise<Subnet> {
  const response = await region.request('POST', `${api}/subnets/`, { ...admin(), form });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Subnet>();
}

async function refused(form: Record<string, string | string[]>): Promise<unknown> {
  const response = await region.request('POST', `${api}/subnets/`, { ...admin(), form });
  expect(response.statusCode, response.body).toBe(400);
  return response.json();
}

async function createFabric(name: string): Promise<{ id: number; vlans: { id: number }[] }> {
  const response = await region.request('POST', `${api}/fabrics/`, { ...admin(), form: { name } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function createVlan(fabricId: number, vid: number): Promise<{ id: number }> {
  const response = await region.request('POST', `${api}/fabrics/${fabricId}/vlans/`, {
    ...admin(),
    form: { vid: String(vid) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('POST subnets/', () => {
  it("creates a subnet from a CIDR alone on the default fabric's untagged VLAN, with MAAS's defaults", async () => {
    const subnet = await create({ cidr: '10.10.0.7/24' });
    expect(subnet).toEqual({
      id: subnet.id,
      name: '10.10.0.0/24',
      description: '',
      vlan: expect.objectContaining({
        vid: 0,
        name: 'untagged',
        fabric: 'fabric-0',
        fabric_id: 0,
      }) as unknown,
      space: 'undefined',
      cidr: '10.10.0.0/24',
      gateway_ip: null,
      dns_servers: [],
      rdns_mode: 2,
      active_discovery: false,
      allow_dns: true,
      allow_proxy: true,
      managed: true,
      disabled_boot_architectures: [],
      resource_uri: `${api}/subnets/${subnet.id}/`,
    });
    const listed = (await region.request('GET', `${api}/subnets/`, { key: region.userKey })).json<Subnet[]>();
    expect(listed).toContainEqual(subnet);
  });

  it('creates an IPv6 subnet with every field, DNS servers as a list or comma/space separated', async () => {
    const subnet = await create({
      cidr: '2001:db8:10::/64',
      name: 'v6 net',
      description: 'lab',
      gateway_ip: 'fe80::1',
      dns_servers: ['2001:db8:10::53, 10.0.0.53', '2001:4860:4860::8888'],
      rdns_mode: '1',
      allow_dns: 'false',
      allow_proxy: '0',
      managed: 'false',
      active_discovery: 'true',
      disabled_boot_architectures: 'pxe, 0x07 uefi_arm64_http',
    });
    expect(subnet).toMatchObject({
      name: 'v6 net',
      description: 'lab',
      cidr: '2001:db8:10::/64',
      gateway_ip: 'fe80::1',
      dns_servers: ['2001:db8:10::53', '10.0.0.53', '2001:4860:4860::8888'],
      rdns_mode: 1,
      allow_dns: false,
      allow_proxy: false,
      managed: false,
      active_discovery: true,
      disabled_boot_architectures: ['pxe', 'uefi_amd64_tftp', 'uefi_arm64_http'],
    });
    const read = await region.request('GET', subnet.resource_uri, { key: region.userKey });
    expect(read.json()).toEqual(subnet);
  });

  it('reads allow_dns as MAAS does (only true, t and 1 are true) and managed=0 as false', async () => {
    const subnet = await create({ cidr: '10.11.0.0/24', allow_dns: 'yes', allow_proxy: 'T', managed: '0' });
    expect(subnet).toMatchObject({ allow_dns: false, allow_proxy: true, managed: false });
  });

  it('puts the subnet on a VLAN given by id, by fabric and vid, or on a fabric’s default VLAN', async () => {
    const fabric = await createFabric('subnets-fab');
    const vlan = await createVlan(fabric.id, 42);
    const defaultVid = await createVlan(0, 43);
    expect((await create({ cidr: '10.12.1.0/24', vlan: String(vlan.id) })).vlan.id).toBe(vlan.id);
    expect((await create({ cidr: '10.12.2.0/24', fabric: String(fabric.id), vid: '42' })).vlan.id).toBe(
      vlan.id,
    );
    expect((await create({ cidr: '10.12.3.0/24', fabric: 'subnets-fab' })).vlan.id).toBe(fabric.vlans[0]?.id);
    expect((await create({ cidr: '10.12.4.0/24', vid: '43' })).vlan.id).toBe(defaultVid.id);
    expect(await refused({ cidr: '10.12.5.0/24', vid: '44' })).toEqual({
      vid: ['No VLAN with vid 44 in default fabric.'],
    });
    expect(await refused({ cidr: '10.12.5.0/24', fabric: String(fabric.id), vid: '43' })).toEqual({
      vid: ['No VLAN with vid 43 in fabric name=subnets-fab.'],
    });
    expect(
      await refused({ cidr: '10.12.5.0/24', fabric: String(fabric.id), vlan: String(defaultVid.id) }),
    ).toEqual({
      vlan: ['VLAN fabric-0.43 is not in fabric name=subnets-fab.'],
    });
  });

  it.each([
    [{}, { cidr: ['This field is required.'] }],
    [{ cidr: '10.0.0.0' }, { cidr: ['Required format: <network>/<prefixlen>.'] }],
    [{ cidr: '0.0.0.0/0' }, { cidr: ['Prefix length must be greater than 0.'] }],
    [
      { cidr: '10.20.0.0/24', gateway_ip: '10.21.0.1' },
      { gateway_ip: ['Gateway IP must be within CIDR range.'] },
    ],
    [{ cidr: '10.20.0.0/24', gateway_ip: 'gw' }, { gateway_ip: ['Enter a valid IPv4 or IPv6 address.'] }],
    [
      { cidr: '10.20.0.0/24', dns_servers: '10.0.0.1 bogus' },
      { dns_servers: ['Invalid IP address: bogus; provide a list of space-separated IP addresses'] },
    ],
    [
      { cidr: '10.20.0.0/24', rdns_mode: '5' },
      { rdns_mode: ['Select a valid choice. 5 is not one of the available choices.'] },
    ],
    [
      { cidr: '10.20.0.0/24', space: 'x' },
      { space: ['Spaces may no longer be set on subnets. Set the space on the underlying VLAN.'] },
    ],
    [{ cidr: '10.20.0.0/24', name: 'bad*name' }, { name: ['Enter a valid value.'] }],
    [
      { cidr: '10.20.0.0/24', vlan: '99999' },
      { vlan: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
    [
      { cidr: '10.20.0.0/24', fabric: 'no-such-fabric' },
      { fabric: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
    [{ cidr: '10.20.0.0/24', vid: 'x' }, { vid: ['Enter a whole number.'] }],
    [{ cidr: '10.20.0.0/24', vid: '4095' }, { vid: ['Ensure this value is less than or equal to 4094.'] }],
    [
      { cidr: '10.20.0.0/24', disabled_boot_architectures: 'pxe windows' },
      { disabled_boot_architectures: ['Unknown boot architecture windows'] },
    ],
    [
      { cidr: 'nonsense', gateway_ip: 'x', rdns_mode: '9' },
      {
        cidr: ['Required format: <network>/<prefixlen>.'],
        gateway_ip: ['Enter a valid IPv4 or IPv6 address.'],
        rdns_mode: ['Select a valid choice. 9 is not one of the available choices.'],
      },
    ],
  ])('refuses %j with MAAS’s field errors', async (form, errors) => {
    expect(await refused(form as Record<string, string>)).toEqual(errors);
  });

  it('refuses a CIDR that exists (unique) or overlaps another subnet on any VLAN', async () => {
    await create({ cidr: '10.30.0.0/16' });
    expect(await refused({ cidr: '10.30.0.0/16' })).toEqual({
      cidr: ['Subnet with this Cidr already exists.'],
      __all__: ['Subnet 10.30.0.0/16 would overlap with existing subnets.'],
    });
    expect(await refused({ cidr: '10.30.5.0/24', vid: '0' })).toEqual({
      __all__: ['Subnet 10.30.5.0/24 would overlap with existing subnets.'],
    });
    expect(await refused({ cidr: '10.0.0.0/8' })).toEqual({
      __all__: ['Subnet 10.0.0.0/8 would overlap with existing subnets.'],
    });
  });

  it('lets exactly one of two concurrent creates of a CIDR succeed; the other gets the unique error', async () => {
    const responses = await Promise.all(
      [1, 2].map(() =>
        region.request('POST', `${api}/subnets/`, { ...admin(), form: { cidr: '10.31.0.0/24' } }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const loser = responses.find((r) => r.statusCode === 400);
    expect(loser?.json<Record<string, string[]>>()['cidr']).toEqual([
      'Subnet with this Cidr already exists.',
    ]);
  });

  it('is for admins only', async () => {
    const response = await region.request('POST', `${api}/subnets/`, {
      key: region.userKey,
      form: { cidr: '10.32.0.0/24' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('writes dhcp.subnet and dns.subnet changes and an audit event in the same transaction', async () => {
    const before = await lastChangeId(region.database.db);
    const subnet = await create({ cidr: '10.33.0.0/24' });
    expect(await changesAfter(region.database.db, before)).toEqual([
      { kind: 'dhcp.subnet', subnet_id: subnet.id, vlan_id: subnet.vlan.id },
      { kind: 'dns.subnet', subnet_id: subnet.id, vlan_id: null },
    ]);
    expect(await auditDescriptions(region.database.db)).toContain("Created subnet '10.33.0.0/24'.");
  });
});

describe('subnets/{id}/', () => {
  it('finds a subnet by id, name, CIDR (slash or %2F) and the cidr:/name:/id: specifiers', async () => {
    const subnet = await create({ cidr: '10.40.0.0/24', name: 'lookup-net' });
    const keys = [
      String(subnet.id),
      'lookup-net',
      '10.40.0.0/24',
      '10.40.0.0%2F24',
      'cidr:10.40.0.0/24',
      'name:lookup-net',
      `id:${subnet.id}`,
    ];
    for (const key of keys) {
      const response = await region.request('GET', `${api}/subnets/${key}/`, { key: region.userKey });
      expect(response.statusCode, key).toBe(200);
      expect(response.json<Subnet>().id, key).toBe(subnet.id);
    }
    const v6 = await create({ cidr: '2001:db8:40::/64' });
    const byCidr = await region.request('GET', `${api}/subnets/2001:db8:40::/64/`, { key: region.userKey });
    expect(byCidr.json<Subnet>().id).toBe(v6.id);
  });

  it('serves the address operations on a CIDR path too', async () => {
    await create({ cidr: '10.41.0.0/24' });
    const response = await region.request('GET', `${api}/subnets/10.41.0.0/24/?op=statistics`, {
      key: region.userKey,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ total_addresses: 254 });
  });

  it("answers MAAS's 404 for an unknown subnet", async () => {
    for (const key of ['999999', 'no-such-net', '10.99.99.0/24']) {
      const response = await region.request('GET', `${api}/subnets/${key}/`, { key: region.userKey });
      expect(response.statusCode, key).toBe(404);
      expect(response.body).toBe('No Subnet matches the given query.');
    }
  });

  it('updates fields it is sent and keeps the others; a name that was the CIDR follows it', async () => {
    const subnet = await create({ cidr: '10.42.0.0/24', dns_servers: '10.0.0.2', rdns_mode: '0' });
    const response = await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { cidr: '10.42.0.0/23', gateway_ip: '10.42.1.254', description: 'grown' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      name: '10.42.0.0/23',
      cidr: '10.42.0.0/23',
      gateway_ip: '10.42.1.254',
      description: 'grown',
      dns_servers: ['10.0.0.2'],
      rdns_mode: 0,
    });
    const cleared = await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { gateway_ip: '', dns_servers: '' },
    });
    expect(cleared.json()).toMatchObject({ gateway_ip: null, dns_servers: [] });
  });

  it('refuses an update that would leave the gateway, a range or an address outside the CIDR', async () => {
    const subnet = await create({ cidr: '10.43.0.0/24', gateway_ip: '10.43.0.1' });
    const outsideGateway = await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { cidr: '10.43.1.0/24' },
    });
    expect(outsideGateway.statusCode).toBe(400);
    expect(outsideGateway.json()).toEqual({ gateway_ip: ['Gateway IP must be within CIDR range.'] });
    const range = await region.request('POST', `${api}/ipranges/`, {
      ...admin(),
      form: { type: 'reserved', start_ip: '10.43.0.100', end_ip: '10.43.0.110' },
    });
    expect(range.statusCode, range.body).toBe(200);
    const shrunk = await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { cidr: '10.43.0.0/26' },
    });
    expect(shrunk.statusCode).toBe(400);
    expect(shrunk.json()).toEqual({
      cidr: [
        'Cannot change the CIDR to 10.43.0.0/26: these would be outside it: reserved range 10.43.0.100-10.43.0.110.',
      ],
    });
    const overlapping = await create({ cidr: '10.43.8.0/24' });
    const onto = await region.request('PUT', overlapping.resource_uri, {
      ...admin(),
      form: { cidr: '10.43.0.0/20' },
    });
    expect(onto.json()).toEqual({ __all__: ['Subnet 10.43.0.0/20 would overlap with existing subnets.'] });
  });

  it('moves a subnet to another VLAN, telling both VLANs’ DHCP, and only the changes that matter', async () => {
    const fabric = await createFabric('move-fab');
    const subnet = await create({ cidr: '10.44.0.0/24' });
    const db = region.database.db;
    let before = await lastChangeId(db);
    await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { vlan: String(fabric.vlans[0]?.id) },
    });
    expect(await changesAfter(db, before)).toEqual([
      { kind: 'dhcp.subnet', subnet_id: subnet.id, vlan_id: fabric.vlans[0]?.id },
      { kind: 'dhcp.subnet', subnet_id: subnet.id, vlan_id: subnet.vlan.id },
    ]);
    before = await lastChangeId(db);
    await region.request('PUT', subnet.resource_uri, { ...admin(), form: { description: 'only words' } });
    expect(await changesAfter(db, before)).toEqual([]);
    await region.request('PUT', subnet.resource_uri, {
      ...admin(),
      form: { rdns_mode: '0', allow_dns: 'false' },
    });
    expect(await changesAfter(db, before)).toEqual([
      { kind: 'dns.subnet', subnet_id: subnet.id, vlan_id: null },
    ]);
    before = await lastChangeId(db);
    await region.request('PUT', subnet.resource_uri, { ...admin(), form: { dns_servers: '10.0.0.9' } });
    expect(await changesAfter(db, before)).toEqual([
      { kind: 'dhcp.subnet', subnet_id: subnet.id, vlan_id: fabric.vlans[0]?.id },
    ]);
    expect(await auditDescriptions(db)).toContain("Updated subnet '10.44.0.0/24'.");
  });

  it('lets users read but not change or delete', async () => {
    const subnet = await create({ cidr: '10.45.0.0/24' });
    expect((await region.request('GET', subnet.resource_uri, { key: region.userKey })).statusCode).toBe(200);
    for (const method of ['PUT', 'DELETE']) {
      const response = await region.request(method, subnet.resource_uri, { key: region.userKey, form: {} });
      expect(response.statusCode, method).toBe(403);
    }
  });

  it('deletes a subnet with its ranges and routes, writing its DHCP and DNS removal', async () => {
    const subnet = await create({ cidr: '10.46.0.0/24' });
    await region.request('POST', `${api}/ipranges/`, {
      ...admin(),
      form: { type: 'dynamic', start_ip: '10.46.0.100', end_ip: '10.46.0.200' },
    });
    const before = await lastChangeId(region.database.db);
    const response = await region.request('DELETE', subnet.resource_uri, admin());
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', subnet.resource_uri, admin())).statusCode).toBe(404);
    const ranges = await region.database.db
      .selectFrom('ip_ranges')
      .select('id')
      .where('subnet_id', '=', subnet.id)
      .execute();
    expect(ranges).toEqual([]);
    expect(await changesAfter(region.database.db, before)).toEqual([
      { kind: 'dhcp.subnet', subnet_id: subnet.id, vlan_id: subnet.vlan.id },
      { kind: 'dns.subnet', subnet_id: subnet.id, vlan_id: null },
    ]);
    expect(await auditDescriptions(region.database.db)).toContain("Deleted subnet '10.46.0.0/24'.");
  });

  it('refuses to delete a subnet serving a dynamic range with DHCP on, as MAAS does', async () => {
    const fabric = await createFabric('dhcp-fab');
    const vlanId = fabric.vlans[0]?.id ?? 0;
    const subnet = await create({ cidr: '10.47.0.0/24', vlan: String(vlanId) });
    await region.request('POST', `${api}/ipranges/`, {
      ...admin(),
      form: { type: 'dynamic', start_ip: '10.47.0.100', end_ip: '10.47.0.200' },
    });
    await region.database.db.updateTable('vlans').set({ dhcp_on: true }).where('id', '=', vlanId).execute();
    const response = await region.request('DELETE', subnet.resource_uri, admin());
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(
      'Cannot delete a subnet that is actively servicing a dynamic IP range. (Delete the dynamic range or disable DHCP first.)',
    );
  });

  it('refuses to delete a subnet whose addresses nodes hold, unless forced', async () => {
    const subnet = await create({ cidr: '10.48.0.0/24' });
    const db = region.database.db;
    const iface = await insertMachineInterface(db, subnet.vlan.id, {
      hostname: 'holder',
      name: 'eth0',
      type: 'physical',
      mac: '52:54:00:48:00:01',
    });
    await db
      .insertInto('ip_addresses')
      .values({ ip: '10.48.0.5', subnet_id: subnet.id, alloc_type: 1, interface_id: iface })
      .execute();
    const refusedDelete = await region.request('DELETE', subnet.resource_uri, admin());
    expect(refusedDelete.statusCode).toBe(400);
    expect(refusedDelete.body).toBe(
      "Cannot delete a subnet that has IP addresses in use by nodes. (Use the 'force' parameter to override.)",
    );
    const before = await lastChangeId(db);
    const forced = await region.request('DELETE', `${subnet.resource_uri}?force=true`, admin());
    expect(forced.statusCode).toBe(204);
    const kinds = (await changesAfter(db, before)).map((c) => c.kind);
    expect(kinds).toEqual(['dhcp.subnet', 'dns.subnet', 'dhcp.host', 'dns.address']);
    expect(await db.selectFrom('ip_addresses').select('id').where('ip', '=', '10.48.0.5').execute()).toEqual(
      [],
    );
  });
});
