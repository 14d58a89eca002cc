import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  auditDescriptions,
  changesAfter,
  insertMachineInterface,
  insertRack,
  insertRange,
  insertSubnet,
  lastChangeId,
  type FabricJson,
  type VlanJson,
} from './fabrics-fixtures.js';

const region = useTestRegion();

let fabric: FabricJson;
let nextVid = 100;

async function newFabric(): Promise<FabricJson> {
  const response = await region.request('POST', `${api}/fabrics/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<FabricJson>();
}

async function createVlan(form: Record<string, string> = {}, on: FabricJson = fabric): Promise<VlanJson> {
  const response = await region.request('POST', `${api}/fabrics/${on.id}/vlans/`, {
    key: region.adminKey,
    form: { vid: String(nextVid++), ...form },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<VlanJson>();
}

function put(vlan: VlanJson, form: Record<string, string>) {
  return region.request('PUT', vlan.resource_uri, { key: region.adminKey, form });
}

beforeAll(async () => {
  fabric = await newFabric();
});

describe('fabrics/{fabric_id}/vlans/', () => {
  it('creates a VLAN, rendered with its vid as its name when it has none', async () => {
    const vlan = await createVlan({ vid: '4000', description: 'lab' });
    expect(vlan).toEqual({
      id: vlan.id,
      name: '4000',
      vid: 4000,
      fabric: fabric.name,
      fabric_id: fabric.id,
      mtu: 1500,
      primary_rack: null,
      secondary_rack: null,
      dhcp_on: false,
      external_dhcp: null,
      relay_vlan: null,
      space: 'undefined',
      description: 'lab',
      resource_uri: `${api}/vlans/${vlan.id}/`,
    });
    const listed = await region.request('GET', `${api}/fabrics/${fabric.id}/vlans/`, { key: region.userKey });
    expect(listed.json<VlanJson[]>().map((v) => v.vid)).toEqual([0, 4000]);
    expect(await auditDescriptions(region.database.db)).toContain(`Created VLAN '${fabric.name}.4000'.`);
  });

  it('creates a named VLAN with an MTU and a space given by name or id', async () => {
    const space = await region.request('POST', `${api}/spaces/`, {
      key: region.adminKey,
      form: { name: 'dmz' },
    });
    const spaceId = String(space.json<{ id: number }>().id);
    const byName = await createVlan({ name: 'web', mtu: '9000', space: 'dmz' });
    expect(byName).toMatchObject({ name: 'web', mtu: 9000, space: 'dmz' });
    expect(await createVlan({ space: spaceId })).toMatchObject({ space: 'dmz' });
    expect(await createVlan({ space: 'undefined' })).toMatchObject({ space: 'undefined' });
  });

  it.each([
    [{}, { vid: ['This field is required.', 'VID must be between 0 and 4094.'] }],
    [{ vid: 'ten' }, { vid: ['Enter a whole number.', 'VID must be between 0 and 4094.'] }],
    [{ vid: '4095' }, { vid: ['VID must be between 0 and 4094.'] }],
    [{ vid: '7', mtu: '551' }, { mtu: ['Ensure this value is greater than or equal to 552.'] }],
    [{ vid: '7', mtu: '65536' }, { mtu: ['MTU must be between 552 and 65535.'] }],
    [
      { vid: '7', space: 'no-such-space' },
      { space: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
  ])('refuses %j with MAAS messages', async (form, errors) => {
    const response = await region.request('POST', `${api}/fabrics/${fabric.id}/vlans/`, {
      key: region.adminKey,
      form,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(errors);
  });

  it('refuses a vid the fabric already has, also between concurrent creates', async () => {
    const own = await newFabric();
    const responses = await Promise.all(
      [1, 2].map(() =>
        region.request('POST', `${api}/fabrics/${own.id}/vlans/`, {
          key: region.adminKey,
          form: { vid: '300' },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json()).toEqual({
      __all__: ['A VLAN with the specified VID already exists in the destination fabric.'],
    });
  });

  it('lets only administrators create VLANs, and answers 404 for an unknown fabric', async () => {
    const asUser = await region.request('POST', `${api}/fabrics/${fabric.id}/vlans/`, {
      key: region.userKey,
      form: { vid: '5' },
    });
    expect(asUser.statusCode).toBe(403);
    const unknown = await region.request('GET', `${api}/fabrics/999999/vlans/`, { key: region.userKey });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('No Fabric matches the given query.');
  });
});

describe('VLAN by id and by fabric and vid', () => {
  it('reads, updates and deletes through both paths', async () => {
    const vlan = await createVlan({ vid: '1200' });
    const byVid = await region.request('GET', `${api}/fabrics/${fabric.id}/vlans/1200/`, {
      key: region.userKey,
    });
    expect(byVid.json()).toEqual(vlan);
    const byId = await region.request('GET', vlan.resource_uri, { key: region.userKey });
    expect(byId.json()).toEqual(vlan);

    const updated = await region.request('PUT', `${api}/fabrics/${fabric.id}/vlans/1200/`, {
      key: region.adminKey,
      form: { name: 'renamed', vid: '1201', mtu: '1400', description: 'moved' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({
      id: vlan.id,
      name: 'renamed',
      vid: 1201,
      mtu: 1400,
      description: 'moved',
    });

    const deleted = await region.request('DELETE', `${api}/fabrics/${fabric.id}/vlans/1201/`, {
      key: region.adminKey,
    });
    expect(deleted.statusCode).toBe(204);
    const gone = await region.request('GET', vlan.resource_uri, { key: region.userKey });
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toBe('No VLAN matches the given query.');
  });

  it('clears the name, and the space with "" or "undefined"', async () => {
    const vlan = await createVlan({ name: 'named', space: 'dmz' });
    expect((await put(vlan, { name: '' })).json()).toMatchObject({ name: String(vlan.vid) });
    expect((await put(vlan, { space: 'undefined' })).json()).toMatchObject({ space: 'undefined' });
    await put(vlan, { space: 'dmz' });
    expect((await put(vlan, { space: '' })).json()).toMatchObject({ space: 'undefined' });
  });

  it('refuses a vid taken in the fabric on update', async () => {
    const a = await createVlan();
    const b = await createVlan();
    const response = await put(b, { vid: String(a.vid) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      __all__: ['A VLAN with the specified VID already exists in the destination fabric.'],
    });
  });

  it("refuses to delete a fabric's untagged VLAN", async () => {
    const response = await region.request('DELETE', `${api}/fabrics/${fabric.id}/vlans/0/`, {
      key: region.adminKey,
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('This VLAN is the default VLAN in the fabric, it cannot be deleted.');
  });

  it('moves subnets and interfaces to the default VLAN and drops VLAN interfaces when deleting', async () => {
    const own = await newFabric();
    const untagged = own.vlans[0]?.id ?? 0;
    const vlan = await createVlan({ vid: '55' }, own);
    const db = region.database.db;
    const subnetId = await insertSubnet(db, vlan.id, '10.55.0.0/24');
    const physical = await insertMachineInterface(db, vlan.id, {
      hostname: 'moved-host',
      name: 'eth0',
      type: 'physical',
      mac: '52:54:00:55:00:01',
    });
    const tagged = await insertMachineInterface(db, vlan.id, {
      hostname: 'tagged-host',
      name: 'eth0.55',
      type: 'vlan',
      mac: '52:54:00:55:00:02',
    });
    await db
      .insertInto('ip_addresses')
      .values({ ip: '10.55.0.9', subnet_id: subnetId, alloc_type: 1, interface_id: tagged })
      .execute();
    const before = await lastChangeId(db);

    const response = await region.request('DELETE', vlan.resource_uri, { key: region.adminKey });
    expect(response.statusCode, response.body).toBe(204);

    const subnet = await db
      .selectFrom('subnets')
      .select('vlan_id')
      .where('id', '=', subnetId)
      .executeTakeFirst();
    expect(subnet?.vlan_id).toBe(untagged);
    const interfaces = await db
      .selectFrom('interfaces')
      .select(['id', 'vlan_id'])
      .where('id', 'in', [physical, tagged])
      .execute();
    expect(interfaces).toEqual([{ id: physical, vlan_id: untagged }]);
    const addresses = await db
      .selectFrom('ip_addresses')
      .select('id')
      .where('ip', '=', '10.55.0.9')
      .execute();
    expect(addresses).toEqual([]);
    const changes = await changesAfter(db, before);
    expect(changes).toContainEqual({ kind: 'dhcp.subnet', vlan_id: untagged, subnet_id: subnetId });
    expect(changes).toContainEqual({ kind: 'dhcp.host', vlan_id: vlan.id, subnet_id: subnetId });
    expect(changes).toContainEqual({ kind: 'dns.address', vlan_id: null, subnet_id: subnetId });
  });

  it('is changed and deleted only by administrators, and 404s for an unknown VLAN', async () => {
    const vlan = await createVlan();
    expect(
      (await region.request('PUT', vlan.resource_uri, { key: region.userKey, form: { name: 'x' } }))
        .statusCode,
    ).toBe(403);
    expect((await region.request('DELETE', vlan.resource_uri, { key: region.userKey })).statusCode).toBe(403);
    const unknown = await region.request('GET', `${api}/fabrics/${fabric.id}/vlans/4094/`, {
      key: region.userKey,
    });
    expect(unknown.statusCode).toBe(404);
    expect(
      (await region.request('DELETE', `${api}/vlans/999999/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });
});

describe('VLAN relay', () => {
  it('renders the relay VLAN whole and clears it with ""', async () => {
    const target = await createVlan({ name: 'relay-target' });
    const relaying = await createVlan({ relay_vlan: String(target.id) });
    expect(relaying.relay_vlan).toEqual(target);
    const read = await region.request('GET', relaying.resource_uri, { key: region.userKey });
    expect(read.json<VlanJson>().relay_vlan).toEqual(target);
    expect((await put(relaying, { relay_vlan: '' })).json()).toMatchObject({ relay_vlan: null });
  });

  it('refuses to relay to itself, to a VLAN that relays, or to one that does not exist', async () => {
    const a = await createVlan();
    const b = await createVlan({ relay_vlan: String(a.id) });
    const c = await createVlan();
    for (const target of [String(c.id), String(b.id), '999999', 'abc']) {
      const response = await put(target === String(c.id) ? c : a, { relay_vlan: target });
      expect(response.statusCode, target).toBe(400);
      expect(response.json()).toEqual({
        relay_vlan: ['Select a valid choice. That choice is not one of the available choices.'],
      });
    }
  });

  it('never lets two VLANs relay to each other, even when both ask at once', async () => {
    const a = await createVlan();
    const b = await createVlan();
    const responses = await Promise.all([
      put(a, { relay_vlan: String(b.id) }),
      put(b, { relay_vlan: String(a.id) }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const rows = await region.database.db
      .selectFrom('vlans')
      .select('relay_vlan_id')
      .where('id', 'in', [a.id, b.id])
      .execute();
    expect(rows.filter((r) => r.relay_vlan_id !== null)).toHaveLength(1);
  });
});

describe('VLAN DHCP settings', () => {
  let racks: string[];

  beforeAll(async () => {
    racks = ['rk0001', 'rk0002', 'rk0003'];
    for (const systemId of racks) await insertRack(region.database.db, systemId);
  });

  it('refuses dhcp_on without a primary rack and without a dynamic range', async () => {
    const vlan = await createVlan();
    const response = await put(vlan, { dhcp_on: 'true' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      dhcp_on: ['dhcp can only be turned on when a dynamic IP range is defined.'],
      __all__: ['dhcp can only be turned on when a primary rack controller is set.'],
    });
  });

  it('refuses dhcp_on with only a reserved range', async () => {
    const vlan = await createVlan();
    const subnet = await insertSubnet(region.database.db, vlan.id, '10.61.0.0/24');
    await insertRange(region.database.db, subnet, 'reserved', '10.61.0.10', '10.61.0.20');
    const response = await put(vlan, { dhcp_on: 'true', primary_rack: 'rk0001' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      dhcp_on: ['dhcp can only be turned on when a dynamic IP range is defined.'],
    });
  });

  it('turns DHCP on with a rack and a dynamic range, and tells the racks', async () => {
    const vlan = await createVlan({ relay_vlan: String((await createVlan()).id) });
    const subnet = await insertSubnet(region.database.db, vlan.id, '10.62.0.0/24');
    await insertRange(region.database.db, subnet, 'dynamic', '10.62.0.100', '10.62.0.200');
    const before = await lastChangeId(region.database.db);
    const response = await put(vlan, { dhcp_on: 'true', primary_rack: 'rk0001', secondary_rack: 'rk0002' });
    expect(response.statusCode, response.body).toBe(200);
    // DHCP served here means no relay elsewhere.
    expect(response.json()).toMatchObject({
      dhcp_on: true,
      primary_rack: 'rk0001',
      secondary_rack: 'rk0002',
      relay_vlan: null,
    });
    expect(await changesAfter(region.database.db, before)).toEqual([
      { kind: 'dhcp.vlan', vlan_id: vlan.id, subnet_id: null },
    ]);

    // A name change is nothing DHCP needs to hear of; an MTU change is.
    const renamed = await lastChangeId(region.database.db);
    await put(vlan, { name: 'served' });
    expect(await changesAfter(region.database.db, renamed)).toEqual([]);
    await put(vlan, { mtu: '9000' });
    expect(await changesAfter(region.database.db, renamed)).toEqual([
      { kind: 'dhcp.vlan', vlan_id: vlan.id, subnet_id: null },
    ]);

    // While DHCP is on, the VLAN cannot take a relay.
    const other = await createVlan();
    const relay = await put(vlan, { relay_vlan: String(other.id) });
    expect(relay.statusCode).toBe(400);
    expect(Object.keys(relay.json<object>())).toEqual(['relay_vlan']);
  });

  it('keeps the racks apart: unknown, same, or the primary made secondary', async () => {
    const vlan = await createVlan();
    const unknown = await put(vlan, { primary_rack: 'nosuch' });
    expect(unknown.json()).toEqual({
      primary_rack: ['Select a valid choice. nosuch is not one of the available choices.'],
    });
    const same = await put(vlan, { primary_rack: 'rk0001', secondary_rack: 'rk0001' });
    expect(same.statusCode).toBe(400);
    expect(same.json()).toEqual({ __all__: ['The primary and secondary rack must be different'] });
    expect((await put(vlan, { primary_rack: 'rk0001' })).json()).toMatchObject({ primary_rack: 'rk0001' });
    const swapped = await put(vlan, { secondary_rack: 'rk0001' });
    expect(swapped.statusCode).toBe(400);
    expect(swapped.json()).toEqual({ __all__: ['rk0001 is already set as the primary rack controller'] });
  });

  it('promotes the secondary rack when the primary is removed', async () => {
    const vlan = await createVlan();
    await put(vlan, { primary_rack: 'rk0002', secondary_rack: 'rk0003' });
    const response = await put(vlan, { primary_rack: '' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ primary_rack: 'rk0003', secondary_rack: null });
  });
});

describe('describe/', () => {
  it('shows VlanHandler once, at its fabric and vid path, as MAAS does', async () => {
    const served = (await region.request('GET', `${api}/describe/`)).json<{
      resources: { name: string; auth: { path: string } | null }[];
    }>();
    const vlan = served.resources.filter((r) => r.name === 'VlanHandler');
    expect(vlan.map((r) => r.auth?.path)).toEqual([`${api}/fabrics/{fabric_id}/vlans/{vid}/`]);
    const names = served.resources.map((r) => r.name);
    for (const name of ['FabricsHandler', 'FabricHandler', 'VlansHandler', 'SpacesHandler', 'SpaceHandler'])
      expect(names).toContain(name);
  });
});
