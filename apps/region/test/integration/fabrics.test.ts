import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  auditDescriptions,
  insertMachineInterface,
  insertSubnet,
  type FabricJson,
} from './fabrics-fixtures.js';

const region = useTestRegion();

async function createFabric(form: Record<string, string> = {}): Promise<FabricJson> {
  const response = await region.request('POST', `${api}/fabrics/`, { key: region.adminKey, form });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<FabricJson>();
}

describe('fabrics/', () => {
  it('has the default fabric-0 with its untagged VLAN from the first start', async () => {
    const response = await region.request('GET', `${api}/fabrics/`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    const [first] = response.json<FabricJson[]>();
    expect(first).toEqual({
      id: 0,
      name: 'fabric-0',
      class_type: null,
      resource_uri: `${api}/fabrics/0/`,
      vlans: [
        {
          id: 5001,
          name: 'untagged',
          vid: 0,
          fabric: 'fabric-0',
          fabric_id: 0,
          mtu: 1500,
          primary_rack: null,
          secondary_rack: null,
          dhcp_on: false,
          external_dhcp: null,
          relay_vlan: null,
          space: 'undefined',
          description: '',
          resource_uri: `${api}/vlans/5001/`,
        },
      ],
    });
  });

  it('names an unnamed fabric fabric-<id> and gives it an untagged VLAN', async () => {
    const created = await createFabric();
    expect(created.name).toBe(`fabric-${created.id}`);
    expect(created.resource_uri).toBe(`${api}/fabrics/${created.id}/`);
    expect(created.vlans).toEqual([
      expect.objectContaining({
        vid: 0,
        name: 'untagged',
        mtu: 1500,
        fabric: created.name,
        fabric_id: created.id,
      }),
    ]);
    const read = await region.request('GET', created.resource_uri, { key: region.userKey });
    expect(read.json()).toEqual(created);
  });

  it('creates a named fabric with a class type, listed and readable by name', async () => {
    const created = await createFabric({ name: 'storage-net', class_type: '10g', description: 'SAN' });
    expect(created).toMatchObject({ name: 'storage-net', class_type: '10g' });
    const listed = (await region.request('GET', `${api}/fabrics/`, { key: region.userKey })).json<
      FabricJson[]
    >();
    expect(listed).toContainEqual(created);
    const byName = await region.request('GET', `${api}/fabrics/storage-net/`, { key: region.userKey });
    expect(byName.json()).toEqual(created);
    expect(await auditDescriptions(region.database.db)).toContain("Created fabric 'storage-net'.");
  });

  it.each([
    ['bad name', 'Invalid fabric name: bad name.'],
    ['fabric-99999', 'Reserved fabric name.'],
    ['x'.repeat(257), 'Ensure this value has at most 256 characters (it has 257).'],
  ])('refuses the name %j as MAAS does', async (name, message) => {
    const response = await region.request('POST', `${api}/fabrics/`, {
      key: region.adminKey,
      form: { name },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: [message] });
  });

  it('refuses a class type that is not a model name', async () => {
    const response = await region.request('POST', `${api}/fabrics/`, {
      key: region.adminKey,
      form: { class_type: '-oops' },
    });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<object>())).toEqual(['class_type']);
  });

  it('refuses a duplicate name with a 400 naming the field', async () => {
    await createFabric({ name: 'dup-fabric' });
    const response = await region.request('POST', `${api}/fabrics/`, {
      key: region.adminKey,
      form: { name: 'dup-fabric' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['Fabric with this Name already exists.'] });
  });

  it('creates one of two concurrent fabrics of the same name and refuses the other with a 400', async () => {
    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        region.request('POST', `${api}/fabrics/`, { key: region.adminKey, form: { name: 'raced-fabric' } }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400, 400]);
    for (const r of responses.filter((r) => r.statusCode === 400))
      expect(r.json()).toEqual({ name: ['Fabric with this Name already exists.'] });
    const named = (await region.request('GET', `${api}/fabrics/`, { key: region.userKey }))
      .json<FabricJson[]>()
      .filter((f) => f.name === 'raced-fabric');
    expect(named).toHaveLength(1);
    expect(named[0]?.vlans).toHaveLength(1);
  });

  it('is readable by any user but changed only by administrators', async () => {
    const fabric = await createFabric();
    const asUser = { key: region.userKey, form: { name: 'by-alice' } };
    expect((await region.request('POST', `${api}/fabrics/`, asUser)).statusCode).toBe(403);
    expect((await region.request('PUT', fabric.resource_uri, asUser)).statusCode).toBe(403);
    expect((await region.request('DELETE', fabric.resource_uri, { key: region.userKey })).statusCode).toBe(
      403,
    );
    expect((await region.request('GET', fabric.resource_uri, { key: region.userKey })).statusCode).toBe(200);
    expect((await region.request('GET', `${api}/fabrics/`)).statusCode).toBe(401);
  });

  it('answers 404 with MAAS words for a fabric that does not exist', async () => {
    const response = await region.request('GET', `${api}/fabrics/999999/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No Fabric matches the given query.');
  });
});

describe('fabrics/{id}/ update', () => {
  it('renames, describes and sets the class type; an emptied name is fabric-<id> again', async () => {
    const fabric = await createFabric({ class_type: 'old' });
    const renamed = await region.request('PUT', fabric.resource_uri, {
      key: region.adminKey,
      form: { name: 'renamed-fabric', class_type: '' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'renamed-fabric', class_type: null });
    expect(renamed.json<FabricJson>().vlans[0]?.fabric).toBe('renamed-fabric');
    const emptied = await region.request('PUT', fabric.resource_uri, {
      key: region.adminKey,
      form: { name: '' },
    });
    expect(emptied.json()).toMatchObject({ name: `fabric-${fabric.id}` });
    expect(await auditDescriptions(region.database.db)).toContain("Updated fabric 'renamed-fabric'.");
  });

  it("lets a fabric take its own default name but not another fabric's", async () => {
    const fabric = await createFabric({ name: 'own-name' });
    const own = await region.request('PUT', fabric.resource_uri, {
      key: region.adminKey,
      form: { name: `fabric-${fabric.id}` },
    });
    expect(own.statusCode).toBe(200);
    const other = await region.request('PUT', fabric.resource_uri, {
      key: region.adminKey,
      form: { name: 'fabric-0' },
    });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual({ name: ['Reserved fabric name.'] });
  });
});

describe('fabrics/{id}/ delete', () => {
  it('deletes a fabric with its VLANs', async () => {
    const fabric = await createFabric({ name: 'to-delete' });
    const vlan = await region.request('POST', `${api}/fabrics/${fabric.id}/vlans/`, {
      key: region.adminKey,
      form: { vid: '42' },
    });
    expect(vlan.statusCode).toBe(200);
    const response = await region.request('DELETE', fabric.resource_uri, { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', fabric.resource_uri, { key: region.userKey })).statusCode).toBe(404);
    const gone = await region.request('GET', vlan.json<{ resource_uri: string }>().resource_uri, {
      key: region.userKey,
    });
    expect(gone.statusCode).toBe(404);
    expect(await auditDescriptions(region.database.db)).toContain("Deleted fabric 'to-delete'.");
  });

  it('refuses to delete the default fabric', async () => {
    const response = await region.request('DELETE', `${api}/fabrics/0/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('This fabric is the default fabric, it cannot be deleted.');
  });

  it('refuses to delete a fabric whose VLANs have subnets, listing them by CIDR', async () => {
    const fabric = await createFabric();
    const vlanId = fabric.vlans[0]?.id ?? 0;
    await insertSubnet(region.database.db, vlanId, '10.77.2.0/24');
    await insertSubnet(region.database.db, vlanId, '10.77.1.0/24');
    const response = await region.request('DELETE', fabric.resource_uri, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(
      "Can't delete fabric; the following subnets are still present: 10.77.1.0/24, 10.77.2.0/24",
    );
    expect((await region.request('GET', fabric.resource_uri, { key: region.userKey })).statusCode).toBe(200);
  });

  it('refuses to delete a fabric with interfaces on its VLANs, naming them', async () => {
    const fabric = await createFabric();
    await insertMachineInterface(region.database.db, fabric.vlans[0]?.id ?? 0, {
      hostname: 'wired-host',
      name: 'eth1',
      type: 'physical',
      mac: '52:54:00:aa:01:01',
    });
    const response = await region.request('DELETE', fabric.resource_uri, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(
      "Can't delete fabric; the following interfaces are still connected: eth1 (physical) on wired-host",
    );
  });
});
