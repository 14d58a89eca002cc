import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();
const api = '/MAAS/api/2.0';
const devices = `${api}/devices/`;

interface Device {
  system_id: string;
  hostname: string;
  description: string;
  domain: { id: number; name: string; resource_uri: string };
  fqdn: string;
  owner: string | null;
  owner_data: Record<string, string>;
  workload_annotations: Record<string, string>;
  parent: string | null;
  tag_names: string[];
  address_ttl: number | null;
  ip_addresses: string[];
  interface_set: { id: number; name: string; mac_address: string; type: string; links: { mode: string }[] }[];
  zone: { name: string; resource_uri: string };
  pool: null;
  node_type: number;
  node_type_name: string;
  resource_uri: string;
}

let macCounter = 0;
function nextMac(): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(6, '0');
  return `52:54:07:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

function post(form: Record<string, string | string[]>, key = region.userKey) {
  return region.request('POST', devices, { key, form });
}

async function createDevice(
  form: Record<string, string | string[]> = {},
  key = region.userKey,
): Promise<Device> {
  const response = await post({ mac_addresses: nextMac(), ...form }, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Device>();
}

async function createMachine(
  form: Record<string, string> = {},
): Promise<{ system_id: string; hostname: string }> {
  const response = await region.request('POST', `${api}/machines/`, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: nextMac(), power_type: 'manual', ...form },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

function deviceUrl(systemId: string, op?: string): string {
  return `${devices}${systemId}/${op ? `?op=${op}` : ''}`;
}

describe('POST devices/', () => {
  it('creates a device owned by its creator, with a generated hostname and one interface per MAC', async () => {
    const macs = [nextMac(), nextMac()];
    const response = await post({ mac_addresses: macs });
    expect(response.statusCode, response.body).toBe(200);
    const device = response.json<Device>();
    expect(device.hostname).toMatch(/^[a-z]+-[a-z]+$/);
    expect(device).toMatchObject({
      description: '',
      fqdn: `${device.hostname}.maas`,
      domain: { name: 'maas' },
      owner: 'alice',
      owner_data: {},
      workload_annotations: {},
      parent: null,
      tag_names: [],
      address_ttl: null,
      ip_addresses: [],
      zone: { name: 'default', resource_uri: `${api}/zones/default/` },
      pool: null,
      node_type: 1,
      node_type_name: 'Device',
      resource_uri: `${api}/devices/${device.system_id}/`,
    });
    expect(device.system_id).toMatch(/^[a-y3-9]{6}$/);
    expect(device.interface_set.map((i) => [i.name, i.mac_address, i.type])).toEqual([
      ['eth0', macs[0], 'physical'],
      ['eth1', macs[1], 'physical'],
    ]);
  });

  it('takes hostname, description, domain (by name or id) and zone', async () => {
    await region.request('POST', `${api}/zones/`, { key: region.adminKey, form: { name: 'dev-zone' } });
    const domain = await region.request('POST', `${api}/domains/`, {
      key: region.adminKey,
      form: { name: 'lab.example' },
    });
    expect(domain.statusCode, domain.body).toBe(200);
    const device = await createDevice({
      hostname: 'printer-1',
      description: 'The printer',
      domain: 'lab.example',
      zone: 'dev-zone',
    });
    expect(device).toMatchObject({
      hostname: 'printer-1',
      description: 'The printer',
      fqdn: 'printer-1.lab.example',
      zone: { name: 'dev-zone' },
    });
    const byId = await createDevice({ hostname: 'printer-2', domain: String(device.domain.id) });
    expect(byId.fqdn).toBe('printer-2.lab.example');
    // An FQDN as hostname names the domain when none is given.
    const fqdn = await createDevice({ hostname: 'printer-3.lab.example' });
    expect([fqdn.hostname, fqdn.fqdn]).toEqual(['printer-3', 'printer-3.lab.example']);
  });

  it('refuses bad fields with MAAS messages naming them', async () => {
    const cases: [Record<string, string | string[]>, Record<string, string[]>][] = [
      [{}, { mac_addresses: ['This field is required.'] }],
      [{ mac_addresses: '' }, { mac_addresses: ['This field is required.'] }],
      [{ mac_addresses: 'nope' }, { mac_addresses: ["'nope' is not a valid MAC address."] }],
      [
        { mac_addresses: ['nope', nextMac(), 'zz'] },
        {
          mac_addresses: [
            "One or more MAC addresses is invalid. ('nope' is not a valid MAC address. \u2014 'zz' is not a valid MAC address.)",
          ],
        },
      ],
      [
        { mac_addresses: nextMac(), hostname: 'bad_name' },
        { hostname: ["Host label cannot contain underscore: 'bad_name'."] },
      ],
      [{ mac_addresses: nextMac(), domain: 'no.such' }, { domain: ['Unable to find domain no.such'] }],
      [
        { mac_addresses: nextMac(), zone: 'nowhere' },
        { zone: ['Select a valid choice. That choice is not one of the available choices.'] },
      ],
      [
        { mac_addresses: nextMac(), parent: 'xxxxxx' },
        { parent: ['Select a valid choice. That choice is not one of the available choices.'] },
      ],
    ];
    const count = async () =>
      Number(
        (
          await region.database.db
            .selectFrom('devices')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    for (const [form, errors] of cases) {
      const response = await post(form);
      expect(response.statusCode, JSON.stringify(form)).toBe(400);
      expect(response.json(), JSON.stringify(form)).toEqual(errors);
    }
    expect(await count()).toBe(before);
  });

  it('refuses a MAC any machine or device has, naming its node', async () => {
    const machine = await createMachine({ hostname: 'mac-holder' });
    const machineMac = (
      await region.database.db
        .selectFrom('interfaces')
        .innerJoin('machines', 'machines.id', 'interfaces.machine_id')
        .select(sql<string>`interfaces.mac_address::text`.as('mac'))
        .where('machines.system_id', '=', machine.system_id)
        .executeTakeFirstOrThrow()
    ).mac;
    const onMachine = await post({ mac_addresses: machineMac });
    expect(onMachine.statusCode).toBe(400);
    expect(onMachine.json()).toEqual({
      mac_addresses: [`MAC address ${machineMac} already in use on mac-holder.`],
    });
    const device = await createDevice({ hostname: 'mac-device' });
    const mac = device.interface_set[0]?.mac_address ?? '';
    const onDevice = await post({ mac_addresses: [nextMac(), mac.toUpperCase()] });
    expect(onDevice.json()).toEqual({
      mac_addresses: [
        `One or more MAC addresses is invalid. (MAC address ${mac} already in use on mac-device.)`,
      ],
    });
  });

  it('keeps a hostname unique in its domain across machines and devices', async () => {
    await createMachine({ hostname: 'shared-name' });
    const device = await post({ mac_addresses: nextMac(), hostname: 'shared-name' });
    expect(device.statusCode).toBe(400);
    expect(device.json()).toEqual({ hostname: ['Node with this Hostname already exists.'] });
    await createDevice({ hostname: 'device-name' });
    const machine = await region.request('POST', `${api}/machines/`, {
      key: region.adminKey,
      form: {
        architecture: 'amd64',
        mac_addresses: nextMac(),
        power_type: 'manual',
        hostname: 'device-name',
      },
    });
    expect(machine.statusCode).toBe(409);
    // Another domain may have the name.
    const elsewhere = await createDevice({ hostname: 'shared-name', domain: 'lab.example' });
    expect(elsewhere.fqdn).toBe('shared-name.lab.example');
  });

  it('gives one FQDN to one node when a machine and devices race for it', async () => {
    for (let round = 0; round < 5; round++) {
      const hostname = `race-${String(round)}`;
      const responses = await Promise.all([
        region.request('POST', `${api}/machines/`, {
          key: region.adminKey,
          form: { architecture: 'amd64', mac_addresses: nextMac(), power_type: 'manual', hostname },
        }),
        ...Array.from({ length: 5 }, () => post({ mac_addresses: nextMac(), hostname })),
      ]);
      const statuses = responses.map((r) => r.statusCode);
      expect(
        statuses.filter((s) => s === 200),
        statuses.join(' '),
      ).toHaveLength(1);
      expect(
        statuses.every((s) => s === 200 || s === 400 || s === 409),
        statuses.join(' '),
      ).toBe(true);
      const holders = await sql<{ n: string }>`
        SELECT (SELECT count(*) FROM machines WHERE hostname = ${hostname})
             + (SELECT count(*) FROM devices WHERE hostname = ${hostname}) AS n`.execute(region.database.db);
      expect(Number(holders.rows[0]?.n)).toBe(1);
    }
  }, 60_000);

  it('creates one device when creates race for one MAC, and answers 400 to the others', async () => {
    for (let round = 0; round < 3; round++) {
      const mac = nextMac();
      const responses = await Promise.all(Array.from({ length: 10 }, () => post({ mac_addresses: mac })));
      const created = responses.filter((r) => r.statusCode === 200);
      expect(created, responses.map((r) => r.statusCode).join(' ')).toHaveLength(1);
      const winner = created[0]?.json<Device>();
      for (const response of responses.filter((r) => r.statusCode !== 200)) {
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json()).toEqual({
          mac_addresses: [`MAC address ${mac} already in use on ${winner?.hostname ?? '?'}.`],
        });
      }
      const listed = await region.request('GET', `${devices}?mac_address=${mac}`, { key: region.adminKey });
      expect(listed.json<Device[]>().map((d) => d.system_id)).toEqual([winner?.system_id]);
    }
  }, 60_000);
});

describe('GET devices/', () => {
  it('shows a user their own devices and an administrator every device', async () => {
    const mine = await createDevice({ hostname: 'alice-dev' });
    const admins = await createDevice({ hostname: 'admin-dev' }, region.adminKey);
    const asAlice = (await region.request('GET', devices, { key: region.userKey })).json<Device[]>();
    const asAdmin = (await region.request('GET', devices, { key: region.adminKey })).json<Device[]>();
    expect(asAlice.map((d) => d.hostname)).toContain('alice-dev');
    expect(asAlice.map((d) => d.hostname)).not.toContain('admin-dev');
    expect(asAlice.every((d) => d.owner === 'alice')).toBe(true);
    expect(asAdmin.map((d) => d.system_id)).toEqual(
      expect.arrayContaining([mine.system_id, admins.system_id]),
    );
    // Another user's device is not there for alice, as in the list.
    expect(
      (await region.request('GET', deviceUrl(admins.system_id), { key: region.userKey })).statusCode,
    ).toBe(404);
    const read = await region.request('GET', deviceUrl(mine.system_id), { key: region.userKey });
    expect(read.json<Device>()).toEqual(mine);
    const missing = await region.request('GET', deviceUrl('nosuch'), { key: region.userKey });
    expect([missing.statusCode, missing.body]).toEqual([404, 'No Device matches the given query.']);
  });

  it('filters by hostname, FQDN, MAC, system id, domain, zone and owner', async () => {
    const a = await createDevice({ hostname: 'filter-a', zone: 'dev-zone' });
    const b = await createDevice({ hostname: 'filter-b', domain: 'lab.example' });
    const names = async (query: string) =>
      (await region.request('GET', `${devices}?${query}`, { key: region.adminKey }))
        .json<Device[]>()
        .map((d) => d.hostname)
        .filter((h) => h.startsWith('filter-'));
    expect(await names('hostname=filter-a&hostname=filter-b')).toEqual(['filter-a', 'filter-b']);
    expect(await names('hostname=filter-b.lab.example')).toEqual(['filter-b']);
    expect(await names(`mac_address=${a.interface_set[0]?.mac_address.toUpperCase() ?? ''}`)).toEqual([
      'filter-a',
    ]);
    expect(await names(`id=${b.system_id}`)).toEqual(['filter-b']);
    expect(await names('domain=lab.example&hostname=filter-a&hostname=filter-b')).toEqual(['filter-b']);
    expect(await names('zone=dev-zone&hostname=filter-a&hostname=filter-b')).toEqual(['filter-a']);
    expect(await names('owner=admin&hostname=filter-a')).toEqual([]);
    expect(await names('owner=alice&hostname=filter-a')).toEqual(['filter-a']);
    expect(await names('pool=default&hostname=filter-a')).toEqual([]);
    const bad = await region.request('GET', `${devices}?mac_address=xyz`, { key: region.adminKey });
    expect([bad.statusCode, bad.json()]).toEqual([400, { mac_address: ["Invalid MAC address: 'xyz'."] }]);
  });

  it('answers is_registered for a device MAC, also anonymously', async () => {
    const device = await createDevice();
    const mac = device.interface_set[0]?.mac_address ?? '';
    const anon = await region.request('GET', `${devices}?op=is_registered&mac_address=${mac}`);
    expect(anon.json()).toBe(true);
    const signed = await region.request('GET', `${devices}?op=is_registered&mac_address=${nextMac()}`, {
      key: region.userKey,
    });
    expect(signed.json()).toBe(false);
  });
});

describe('PUT devices/{system_id}/', () => {
  it('updates hostname, description, domain, zone and parent; empty values leave them', async () => {
    const parent = await createMachine({ hostname: 'update-parent' });
    const device = await createDevice({ hostname: 'to-update' });
    const response = await region.request('PUT', deviceUrl(device.system_id), {
      key: region.userKey,
      form: { hostname: 'updated', description: 'now described', zone: 'dev-zone', parent: parent.system_id },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<Device>()).toMatchObject({
      hostname: 'updated',
      description: 'now described',
      zone: { name: 'dev-zone' },
      parent: parent.system_id,
    });
    const unchanged = await region.request('PUT', deviceUrl(device.system_id), {
      key: region.userKey,
      form: { parent: '', zone: '', domain: '' },
    });
    expect(unchanged.json<Device>()).toMatchObject({
      hostname: 'updated',
      parent: parent.system_id,
      fqdn: 'updated.maas',
    });
    const moved = await region.request('PUT', deviceUrl(device.system_id), {
      key: region.userKey,
      form: { domain: 'lab.example' },
    });
    expect(moved.json<Device>().fqdn).toBe('updated.lab.example');
  });

  it('refuses bad values, a taken hostname and other users', async () => {
    await createDevice({ hostname: 'taken-name' });
    const device = await createDevice({ hostname: 'renamed-later' });
    const put = (form: Record<string, string>, key = region.userKey) =>
      region.request('PUT', deviceUrl(device.system_id), { key, form });
    expect((await put({ hostname: 'taken-name' })).json()).toEqual({
      hostname: ['Node with this Hostname already exists.'],
    });
    expect((await put({ hostname: '-x' })).json()).toEqual({
      hostname: ["Label cannot start or end with hyphen: '-x'."],
    });
    expect((await put({ parent: 'nosuch' })).json()).toEqual({
      parent: ['Select a valid choice. That choice is not one of the available choices.'],
    });
    expect((await put({ domain: '9999' })).json()).toEqual({ domain: ['Unable to find domain 9999'] });
    const admins = await createDevice({}, region.adminKey);
    const other = await region.request('PUT', deviceUrl(admins.system_id), {
      key: region.userKey,
      form: { description: 'mine now' },
    });
    expect(other.statusCode).toBe(404);
    // An administrator may change anyone's device.
    const byAdmin = await put({ description: 'by admin' }, region.adminKey);
    expect(byAdmin.json<Device>()).toMatchObject({ description: 'by admin', owner: 'alice' });
  });
});

describe('DELETE devices/{system_id}/', () => {
  it('deletes the device, its interfaces and addresses, and emits their DHCP and DNS removes', async () => {
    const db = region.database.db;
    const device = await createDevice({ hostname: 'doomed' });
    const vlan = await db
      .selectFrom('vlans')
      .select('id')
      .where('fabric_id', '=', 0)
      .executeTakeFirstOrThrow();
    const subnet = await db
      .insertInto('subnets')
      .values({ name: '10.77.0.0/24', vlan_id: vlan.id, cidr: '10.77.0.0/24' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const iface = device.interface_set[0];
    await db
      .insertInto('ip_addresses')
      .values({ ip: '10.77.0.9', subnet_id: subnet.id, alloc_type: 1, interface_id: iface?.id ?? 0 })
      .execute();
    const shown = await region.request('GET', deviceUrl(device.system_id), { key: region.userKey });
    expect(shown.json<Device>().ip_addresses).toEqual(['10.77.0.9']);
    const before = await db
      .selectFrom('network_changes')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    const response = await region.request('DELETE', deviceUrl(device.system_id), { key: region.userKey });
    expect(response.statusCode, response.body).toBe(204);
    expect(
      (await region.request('GET', deviceUrl(device.system_id), { key: region.userKey })).statusCode,
    ).toBe(404);
    const left = await db.selectFrom('ip_addresses').select('id').where('ip', '=', '10.77.0.9').execute();
    expect(left).toEqual([]);
    const interfaces = await db
      .selectFrom('interfaces')
      .select('id')
      .where('id', '=', iface?.id ?? 0)
      .execute();
    expect(interfaces).toEqual([]);
    const changes = await db
      .selectFrom('network_changes')
      .select('payload')
      .where('id', '>', before?.id ?? '0')
      .orderBy('id')
      .execute();
    expect(changes.map((c) => c.payload)).toEqual([
      {
        kind: 'dhcp.host',
        action: 'remove',
        subnetId: subnet.id,
        vlanId: vlan.id,
        ip: '10.77.0.9',
        mac: iface?.mac_address,
        hostname: 'doomed',
      },
      {
        kind: 'dns.address',
        action: 'remove',
        subnetId: subnet.id,
        fqdn: 'doomed.maas',
        ip: '10.77.0.9',
        ttl: null,
      },
    ]);
  });

  it("answers 404 to another user's device and lets an administrator delete it", async () => {
    const device = await createDevice({}, region.adminKey);
    expect(
      (await region.request('DELETE', deviceUrl(device.system_id), { key: region.userKey })).statusCode,
    ).toBe(404);
    const mine = await createDevice();
    expect(
      (await region.request('DELETE', deviceUrl(mine.system_id), { key: region.adminKey })).statusCode,
    ).toBe(204);
  });

  it('goes with its parent machine when the machine is deleted', async () => {
    const machine = await createMachine({ hostname: 'container-host' });
    const child = await createDevice({ parent: machine.system_id, hostname: 'container-1' });
    expect(child.parent).toBe(machine.system_id);
    const deleted = await region.request('DELETE', `${api}/machines/${machine.system_id}/`, {
      key: region.adminKey,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(
      (await region.request('GET', deviceUrl(child.system_id), { key: region.userKey })).statusCode,
    ).toBe(404);
  });
});

describe('device operations', () => {
  it('sets workload annotations (and owner data, the same map) for the owner only', async () => {
    const device = await createDevice();
    const set = await region.request('POST', deviceUrl(device.system_id, 'set_workload_annotations'), {
      key: region.userKey,
      form: { app: 'web', tier: 'front' },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json<Device>()).toMatchObject({
      workload_annotations: { app: 'web', tier: 'front' },
      owner_data: { app: 'web', tier: 'front' },
    });
    const removed = await region.request('POST', deviceUrl(device.system_id, 'set_owner_data'), {
      key: region.userKey,
      form: { tier: '' },
    });
    expect(removed.json<Device>().workload_annotations).toEqual({ app: 'web' });
    const byAdmin = await region.request('POST', deviceUrl(device.system_id, 'set_workload_annotations'), {
      key: region.adminKey,
      form: { x: 'y' },
    });
    expect([byAdmin.statusCode, byAdmin.body]).toEqual([
      409,
      "Cannot set workload annotation: it hasn't been acquired.",
    ]);
  });

  it('restores the default networking configuration (administrators only)', async () => {
    const device = await createDevice({ mac_addresses: [nextMac(), nextMac()] });
    const url = deviceUrl(device.system_id, 'restore_networking_configuration');
    expect((await region.request('POST', url, { key: region.userKey })).statusCode).toBe(403);
    const first = device.interface_set[0]?.id ?? 0;
    const db = region.database.db;
    await db.insertInto('ip_addresses').values({ ip: null, alloc_type: 1, interface_id: first }).execute();
    for (const op of ['restore_networking_configuration', 'restore_default_configuration']) {
      const response = await region.request('POST', deviceUrl(device.system_id, op), {
        key: region.adminKey,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<Device>().interface_set.map((i) => i.links.map((l) => l.mode))).toEqual([
        ['dhcp'],
        ['link_up'],
      ]);
      // No VLAN and no observed subnet: the boot interface is DHCP, the other LINK_UP.
      const links = await db
        .selectFrom('ip_addresses')
        .innerJoin('interfaces', 'interfaces.id', 'ip_addresses.interface_id')
        .select(['interfaces.name', 'ip_addresses.alloc_type', 'ip_addresses.ip', 'ip_addresses.subnet_id'])
        .where(
          'interfaces.device_id',
          'in',
          db.selectFrom('devices').select('id').where('system_id', '=', device.system_id),
        )
        .orderBy('interfaces.id')
        .execute();
      expect(links).toEqual([
        { name: 'eth0', alloc_type: 5, ip: null, subnet_id: null },
        { name: 'eth1', alloc_type: 1, ip: null, subnet_id: null },
      ]);
    }
  });

  it('moves nodes to a zone with set_zone (administrators only)', async () => {
    const device = await createDevice();
    const machine = await createMachine();
    const url = `${devices}?op=set_zone`;
    const form = { zone: 'dev-zone', nodes: [device.system_id, machine.system_id] };
    expect((await region.request('POST', url, { key: region.userKey, form })).statusCode).toBe(403);
    const moved = await region.request('POST', url, { key: region.adminKey, form });
    expect(moved.statusCode, moved.body).toBe(200);
    const read = await region.request('GET', deviceUrl(device.system_id), { key: region.userKey });
    expect(read.json<Device>().zone.name).toBe('dev-zone');
    const machineRead = await region.request('GET', `${api}/machines/${machine.system_id}/`, {
      key: region.adminKey,
    });
    expect(machineRead.json<{ zone: { name: string } }>().zone.name).toBe('dev-zone');
    const badZone = await region.request('POST', url, {
      key: region.adminKey,
      form: { zone: 'nowhere', nodes: device.system_id },
    });
    expect(badZone.json()).toEqual({
      zone: ['Select a valid choice. That choice is not one of the available choices.'],
    });
    const badNode = await region.request('POST', url, {
      key: region.adminKey,
      form: { zone: 'default', nodes: 'nosuch' },
    });
    expect(badNode.json()).toEqual({ nodes: ['Unknown node(s): nosuch.'] });
    const noZone = await region.request('POST', url, {
      key: region.adminKey,
      form: { nodes: device.system_id },
    });
    expect(noZone.json()).toEqual({ zone: ['This field is required.'] });
  });

  it('answers details as BSON and power_parameters as an empty map', async () => {
    const device = await createDevice();
    const details = await region.request('GET', deviceUrl(device.system_id, 'details'), {
      key: region.userKey,
    });
    expect(details.headers['content-type']).toContain('application/bson');
    expect(details.rawPayload.readInt32LE(0)).toBe(details.rawPayload.length);
    const power = await region.request('GET', deviceUrl(device.system_id, 'power_parameters'), {
      key: region.adminKey,
    });
    expect(power.json()).toEqual({});
    const asUser = await region.request('GET', deviceUrl(device.system_id, 'power_parameters'), {
      key: region.userKey,
    });
    expect(asUser.statusCode).toBe(403);
  });

  it('lists the devices of a tag with tags/{name}/?op=devices', async () => {
    const device = await createDevice({ hostname: 'tagged-device' });
    const tag = await region.request('POST', `${api}/tags/`, {
      key: region.adminKey,
      form: { name: 'printers' },
    });
    expect(tag.statusCode, tag.body).toBe(200);
    const db = region.database.db;
    await db
      .insertInto('device_tags')
      .values({
        device_id: db.selectFrom('devices').select('id').where('system_id', '=', device.system_id),
        tag_id: db.selectFrom('tags').select('id').where('name', '=', 'printers'),
      })
      .execute();
    const listed = await region.request('GET', `${api}/tags/printers/?op=devices`, { key: region.userKey });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json<Device[]>().map((d) => [d.hostname, d.tag_names])).toEqual([
      ['tagged-device', ['printers']],
    ]);
    expect(
      (await region.request('GET', `${api}/tags/nosuch/?op=devices`, { key: region.userKey })).statusCode,
    ).toBe(404);
  });

  it('describes DevicesHandler and DeviceHandler with MAAS operations', async () => {
    const response = await region.request('GET', `${api}/describe/`);
    expect(response.statusCode).toBe(200);
    const served = response.json<{
      resources: { name: string; auth: { actions: { name: string }[] } | null }[];
    }>();
    const actions = (name: string) =>
      served.resources
        .find((r) => r.name === name)
        ?.auth?.actions.map((a) => a.name)
        .sort();
    expect(actions('DevicesHandler')).toEqual([
      'create',
      'is_action_in_progress',
      'is_registered',
      'read',
      'set_zone',
    ]);
    expect(actions('DeviceHandler')).toEqual([
      'delete',
      'details',
      'power_parameters',
      'read',
      'restore_default_configuration',
      'restore_networking_configuration',
      'set_owner_data',
      'set_workload_annotations',
      'update',
    ]);
  });
});
