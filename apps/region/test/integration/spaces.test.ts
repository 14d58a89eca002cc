import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { api, auditDescriptions, insertSubnet, type SpaceJson, type VlanJson } from './fabrics-fixtures.js';

const region = useTestRegion();

async function createSpace(form: Record<string, string> = {}): Promise<SpaceJson> {
  const response = await region.request('POST', `${api}/spaces/`, { key: region.adminKey, form });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<SpaceJson>();
}

async function listSpaces(): Promise<SpaceJson[]> {
  const response = await region.request('GET', `${api}/spaces/`, { key: region.userKey });
  expect(response.statusCode).toBe(200);
  return response.json<SpaceJson[]>();
}

async function createVlan(vid: number, space?: string): Promise<VlanJson> {
  const response = await region.request('POST', `${api}/fabrics/0/vlans/`, {
    key: region.adminKey,
    form: { vid: String(vid), ...(space !== undefined ? { space } : {}) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<VlanJson>();
}

describe('spaces/', () => {
  it('lists the pseudo-space "undefined" holding the VLANs without a space, for Juju', async () => {
    const spaces = await listSpaces();
    const undefinedSpace = spaces.at(-1);
    expect(undefinedSpace).toMatchObject({
      id: -1,
      name: 'undefined',
      resource_uri: `${api}/spaces/undefined/`,
      subnets: [],
    });
    expect(undefinedSpace?.vlans.map((v) => v.id)).toContain(5001);
    const read = await region.request('GET', `${api}/spaces/-1/`, { key: region.userKey });
    expect(read.json()).toEqual(undefinedSpace);
    const byName = await region.request('GET', `${api}/spaces/undefined/`, { key: region.userKey });
    expect(byName.json()).toEqual(undefinedSpace);
  });

  it('creates a space; an unnamed one is space-<id>', async () => {
    const named = await createSpace({ name: 'storage', description: 'iSCSI' });
    expect(named).toEqual({
      id: named.id,
      name: 'storage',
      description: 'iSCSI',
      vlans: [],
      subnets: [],
      resource_uri: `${api}/spaces/${named.id}/`,
    });
    const unnamed = await createSpace();
    expect(unnamed.name).toBe(`space-${unnamed.id}`);
    expect(await listSpaces()).toContainEqual(named);
    expect((await region.request('GET', `${api}/spaces/storage/`, { key: region.userKey })).json()).toEqual(
      named,
    );
    expect(await auditDescriptions(region.database.db)).toContain("Created space 'storage'.");
  });

  it.each([
    ['two words', 'Invalid space name: two words.'],
    ['undefined', 'Reserved space name.'],
    ['space-99999', 'Reserved space name.'],
  ])('refuses the name %j as MAAS does', async (name, message) => {
    const response = await region.request('POST', `${api}/spaces/`, { key: region.adminKey, form: { name } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: [message] });
  });

  it('refuses a duplicate name, also between concurrent creates', async () => {
    const responses = await Promise.all(
      [1, 2].map(() =>
        region.request('POST', `${api}/spaces/`, { key: region.adminKey, form: { name: 'raced' } }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json()).toEqual({
      name: ['Space with this Name already exists.'],
    });
  });

  it('lists the VLANs of a space and their subnets, each subnet naming the space', async () => {
    const space = await createSpace({ name: 'backend' });
    const vlan = await createVlan(310, 'backend');
    const subnetId = await insertSubnet(region.database.db, vlan.id, '10.31.0.0/24');
    const read = (await region.request('GET', space.resource_uri, { key: region.userKey })).json<SpaceJson>();
    expect(read.vlans).toEqual([vlan]);
    expect(read.subnets).toEqual([
      {
        id: subnetId,
        name: '10.31.0.0/24',
        description: '',
        vlan,
        space: 'backend',
        cidr: '10.31.0.0/24',
        gateway_ip: null,
        dns_servers: [],
        rdns_mode: 2,
        active_discovery: false,
        allow_dns: true,
        allow_proxy: true,
        managed: true,
        disabled_boot_architectures: [],
        resource_uri: `${api}/subnets/${subnetId}/`,
      },
    ]);
    const undefinedSpace = (await listSpaces()).find((s) => s.id === -1);
    expect(undefinedSpace?.vlans.map((v) => v.id)).not.toContain(vlan.id);
  });

  it('is readable by any user but changed only by administrators', async () => {
    const space = await createSpace();
    expect((await region.request('POST', `${api}/spaces/`, { key: region.userKey })).statusCode).toBe(403);
    expect(
      (await region.request('PUT', space.resource_uri, { key: region.userKey, form: { name: 'x' } }))
        .statusCode,
    ).toBe(403);
    expect((await region.request('DELETE', space.resource_uri, { key: region.userKey })).statusCode).toBe(
      403,
    );
    const missing = await region.request('GET', `${api}/spaces/999999/`, { key: region.userKey });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('No Space matches the given query.');
  });
});

describe('spaces/{id}/', () => {
  it('renames and describes a space; an emptied name is space-<id> again', async () => {
    const space = await createSpace({ name: 'old-name' });
    const renamed = await region.request('PUT', space.resource_uri, {
      key: region.adminKey,
      form: { name: 'new-name', description: 'changed' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'new-name', description: 'changed' });
    const emptied = await region.request('PUT', space.resource_uri, {
      key: region.adminKey,
      form: { name: '' },
    });
    expect(emptied.json()).toMatchObject({ name: `space-${space.id}` });
    expect(await auditDescriptions(region.database.db)).toContain("Updated space 'new-name'.");
  });

  it('refuses to change or delete the pseudo-space "undefined"', async () => {
    for (const key of ['-1', 'undefined']) {
      const put = await region.request('PUT', `${api}/spaces/${key}/`, {
        key: region.adminKey,
        form: { name: 'x' },
      });
      expect(put.statusCode).toBe(400);
      expect(put.body).toBe('Space cannot be modified: undefined');
      const del = await region.request('DELETE', `${api}/spaces/${key}/`, { key: region.adminKey });
      expect(del.statusCode).toBe(400);
      expect(del.body).toBe('Space cannot be deleted: undefined');
    }
  });

  it('deletes a space; its VLANs are left without one', async () => {
    await createSpace({ name: 'doomed' });
    const vlan = await createVlan(320, 'doomed');
    const response = await region.request('DELETE', `${api}/spaces/doomed/`, { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    const read = (await region.request('GET', vlan.resource_uri, { key: region.userKey })).json<VlanJson>();
    expect(read.space).toBe('undefined');
    expect((await listSpaces()).find((s) => s.id === -1)?.vlans.map((v) => v.id)).toContain(vlan.id);
    expect(await auditDescriptions(region.database.db)).toContain("Deleted space 'doomed'.");
  });
});
