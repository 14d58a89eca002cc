import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

// rackcontrollers/ over the racks the region knows; the racks are registered through the rack
// service as the RPC server does, and the fan-outs go to the test region's fake racks ('fakera').
const region = useTestRegion();
const racks = '/MAAS/api/2.0/rackcontrollers/';

interface Rack {
  system_id: string;
  hostname: string;
  fqdn: string;
  node_type: number;
  node_type_name: string;
  version: string | null;
  ip_addresses: string[];
  service_set: { name: string; status: string; status_info: string }[];
  zone: { name: string };
  domain: { name: string };
  resource_uri: string;
  [key: string]: unknown;
}

async function registerRack(hostname: string, mac: string): Promise<string> {
  const { systemId } = await region.services.racks.register(
    {
      hostname,
      version: '0.1.0',
      interfaces: [{ name: 'eth0', mac, addresses: ['10.9.0.2/24', 'fe80::1/64'] }],
      capabilities: ['os'],
    },
    undefined,
  );
  return systemId;
}

async function read(systemId: string): Promise<Rack> {
  const response = await region.request('GET', `${racks}${systemId}/`, { key: region.userKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Rack>();
}

const status = (rack: Rack, name: string) => rack.service_set.find((s) => s.name === name)?.status;

describe('rackcontrollers/', () => {
  it('lists racks as MAAS renders them, with their services while connected', async () => {
    const id = await registerRack('rack-one', '52:54:00:aa:00:01');
    await region.services.racks.connected(id, '10.9.0.2', 'region-a');
    await region.services.racks.reportServices(id, [
      { name: 'tftp', status: 'off', info: 'not served yet' },
      { name: 'http', status: 'running', info: '' },
    ]);
    const response = await region.request('GET', racks, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    const [rack] = response.json<Rack[]>().filter((r) => r.system_id === id);
    expect(rack).toMatchObject({
      hostname: 'rack-one',
      fqdn: 'rack-one.maas',
      node_type: 2,
      node_type_name: 'Rack controller',
      version: '0.1.0',
      ip_addresses: ['10.9.0.2', 'fe80::1'],
      zone: { name: 'default' },
      domain: { name: 'maas' },
      resource_uri: `/MAAS/api/2.0/rackcontrollers/${id}/`,
    });
    expect(rack?.service_set).toEqual([
      { name: 'rackd', status: 'running', status_info: '' },
      { name: 'tftp', status: 'off', status_info: 'not served yet' },
      { name: 'http', status: 'running', status_info: '' },
    ]);
    // The 44 keys of MAAS's DISPLAYED_RACK_CONTROLLER_FIELDS, and resource_uri.
    expect(Object.keys(rack ?? {})).toHaveLength(45);
  });

  it('shows a disconnected rack dead, with an event', async () => {
    const id = await registerRack('rack-two', '52:54:00:aa:00:02');
    await region.services.racks.connected(id, undefined, 'region-a');
    await region.services.racks.reportServices(id, [
      { name: 'tftp', status: 'running', info: '' },
      { name: 'http', status: 'running', info: '' },
    ]);
    await region.services.racks.disconnected(id, 'region-a', 'no answer from the peer for 9000 ms');
    const rack = await read(id);
    expect(status(rack, 'rackd')).toBe('dead');
    expect(rack.service_set.find((s) => s.name === 'rackd')?.status_info).toMatch(/Not connected/);
    expect(status(rack, 'tftp')).toBe('dead');
    expect(status(rack, 'http')).toBe('unknown');
    const events = await region.database.db
      .selectFrom('events')
      .select(['type', 'description'])
      .where('node_system_id', '=', id)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.type)).toEqual([
      'Rack registered',
      'Rack controller connected',
      'Rack controller disconnected',
    ]);
    expect(events[2]?.description).toContain('no answer from the peer');
  });

  it('does not mark a rack disconnected for a region that no longer holds it', async () => {
    const id = await registerRack('rack-moved', '52:54:00:aa:00:05');
    await region.services.racks.connected(id, undefined, 'region-a');
    // It reconnected to region b before region a noticed the old connection dropped.
    await region.services.racks.connected(id, undefined, 'region-b');
    await region.services.racks.disconnected(id, 'region-a', 'closed');
    expect(status(await read(id), 'rackd')).toBe('running');
  });

  it('marks dead a rack whose region stopped refreshing it', async () => {
    const id = await registerRack('rack-orphan', '52:54:00:aa:00:03');
    await region.services.racks.connected(id, undefined, 'region-crashed');
    await region.database.db
      .updateTable('rack_controllers')
      .set({ last_seen: new Date(Date.now() - 60_000) })
      .where('system_id', '=', id)
      .execute();
    expect(await region.services.racks.sweepSilent(10_000)).toEqual([id]);
    expect(status(await read(id), 'rackd')).toBe('dead');
    expect(await region.services.racks.sweepSilent(10_000)).toEqual([]);
  });

  it('filters by hostname and id, as terraform finds a rack, and refuses filters it cannot apply', async () => {
    const id = await registerRack('rack-filtered', '52:54:00:aa:00:09');
    const byName = await region.request('GET', `${racks}?hostname=rack-filtered`, { key: region.userKey });
    expect(byName.json<Rack[]>().map((r) => r.system_id)).toEqual([id]);
    const byId = await region.request('GET', `${racks}?id=${id}&id=nope99`, { key: region.userKey });
    expect(byId.json<Rack[]>().map((r) => r.hostname)).toEqual(['rack-filtered']);
    const refused = await region.request('GET', `${racks}?zone=default`, { key: region.userKey });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      zone: ['Rack controllers cannot be filtered by zone; use hostname or id.'],
    });
  });

  it('answers 404 for an unknown rack', async () => {
    const response = await region.request('GET', `${racks}nope99/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No RackController matches the given query.');
  });

  it('tells whether a MAC is registered, to anyone', async () => {
    await registerRack('rack-mac', '52:54:00:aa:00:04');
    const yes = await region.request('GET', `${racks}?op=is_registered&mac_address=52-54-00-AA-00-04`);
    expect(yes.json()).toBe(true);
    const no = await region.request('GET', `${racks}?op=is_registered&mac_address=52:54:00:aa:99:99`);
    expect(no.json()).toBe(false);
    const bad = await region.request('GET', `${racks}?op=is_registered&mac_address=zz`);
    expect(bad.statusCode).toBe(400);
  });

  it('describes the power types the racks run, merged, to admins only', async () => {
    const response = await region.request('GET', `${racks}?op=describe_power_types`, {
      key: region.adminKey,
    });
    expect(response.statusCode).toBe(200);
    const types = response.json<{ name: string; fields: { field_type: string; secret: boolean }[] }[]>();
    expect(types.map((t) => t.name)).toEqual(['ipmi', 'manual']);
    expect(types[1]).toEqual({
      driver_type: 'power',
      name: 'manual',
      description: 'Manual',
      fields: [],
      missing_packages: [],
      chassis: false,
      can_probe: false,
      queryable: false,
    });
    expect(types[0]?.fields.map((f) => [f.field_type, f.secret])).toEqual([
      ['string', false],
      ['password', true],
    ]);
    const user = await region.request('GET', `${racks}?op=describe_power_types`, { key: region.userKey });
    expect(user.statusCode).toBe(403);
  });

  it('lists a connected rack its boot images, grouped as MAAS does', async () => {
    // The fake racks answer as the rack 'fakera'; any other system_id is not connected.
    await region.database.db
      .insertInto('rack_controllers')
      .values({ system_id: 'fakera', hostname: 'fake-rack', credential_sealed: 'x'.repeat(40) })
      .execute();
    const response = await region.request('GET', `${racks}fakera/?op=list_boot_images`, {
      key: region.adminKey,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      images: [
        { name: 'ubuntu/noble', architecture: 'amd64', subarches: ['ga-24.04', 'generic'] },
        { name: 'ubuntu/jammy', architecture: 'amd64', subarches: ['ga-22.04'] },
      ],
      connected: true,
      status: 'synced',
    });
    const id = await registerRack('rack-images', '52:54:00:aa:00:06');
    const gone = await region.request('GET', `${racks}${id}/?op=list_boot_images`, { key: region.adminKey });
    expect(gone.json()).toEqual({ images: [], connected: false, status: 'unknown' });
  });

  it('deletes a rack for admins only, with an audit event', async () => {
    const id = await registerRack('rack-doomed', '52:54:00:aa:00:07');
    const refused = await region.request('DELETE', `${racks}${id}/`, { key: region.userKey });
    expect(refused.statusCode).toBe(403);
    const deleted = await region.request('DELETE', `${racks}${id}/`, { key: region.adminKey });
    expect(deleted.statusCode).toBe(204);
    expect((await region.request('GET', `${racks}${id}/`, { key: region.userKey })).statusCode).toBe(404);
    expect(await region.services.racks.keyFor(id)).toBeUndefined();
  });

  it('keeps the system_id of a rack that registers again under its name, with a new credential', async () => {
    const first = await region.services.racks.register(
      { hostname: 'rack-again', version: '1', interfaces: [], capabilities: [] },
      undefined,
    );
    const second = await region.services.racks.register(
      { hostname: 'rack-again', version: '2', interfaces: [], capabilities: [] },
      undefined,
    );
    expect(second.systemId).toBe(first.systemId);
    expect(second.credential).not.toBe(first.credential);
    expect((await region.services.racks.keyFor(first.systemId))?.key).toBe(second.credential);
  });

  it("refuses the secret a connected rack's name, so it cannot take that rack's identity", async () => {
    const first = await region.services.racks.register(
      { hostname: 'rack-owned', version: '1', interfaces: [], capabilities: [] },
      undefined,
    );
    await region.services.racks.connected(first.systemId, undefined, 'region-a');
    await expect(
      region.services.racks.register(
        { hostname: 'rack-owned', version: '1', interfaces: [], capabilities: [] },
        undefined,
      ),
    ).rejects.toThrow(/A connected rack is already named rack-owned.*--name/);
    expect((await region.services.racks.keyFor(first.systemId))?.key).toBe(first.credential);
  });

  it('claims back, with an event, a rack another region marked silent while this one stalled', async () => {
    const id = await registerRack('rack-stalled', '52:54:00:aa:00:08');
    await region.services.racks.connected(id, undefined, 'region-slow');
    await region.database.db
      .updateTable('rack_controllers')
      .set({ last_seen: new Date(Date.now() - 60_000) })
      .where('system_id', '=', id)
      .execute();
    expect(await region.services.racks.sweepSilent(10_000)).toContain(id);
    await region.services.racks.touch([id], 'region-slow');
    expect(status(await read(id), 'rackd')).toBe('running');
    const types = await region.database.db
      .selectFrom('events')
      .select('type')
      .where('node_system_id', '=', id)
      .orderBy('id')
      .execute();
    expect(types.map((e) => e.type).slice(-2)).toEqual([
      'Rack controller disconnected',
      'Rack controller connected',
    ]);
  });

  it('records one refusal event a minute per address, counting the rest', async () => {
    for (let i = 0; i < 5; i++) await region.services.racks.refused('192.0.2.9', 'The proof does not match.');
    const events = await region.database.db
      .selectFrom('events')
      .select('description')
      .where('type', '=', 'Rack connection refused')
      .where('ip_address', '=', '192.0.2.9')
      .execute();
    expect(events).toHaveLength(1);
  });

  it('registers concurrent racks of one name as one rack', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        region.services.racks.register(
          { hostname: 'rack-race', version: '1', interfaces: [], capabilities: [] },
          undefined,
        ),
      ),
    );
    expect(new Set(results.map((r) => r.systemId)).size).toBe(1);
    const rows = await region.services.racks.list();
    expect(rows.filter((r) => r.hostname === 'rack-race')).toHaveLength(1);
  });
});
