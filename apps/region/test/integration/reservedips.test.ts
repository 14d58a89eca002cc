import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  auditDescriptions,
  changesAfter,
  insertMachineInterface,
  lastChangeId,
} from './fabrics-fixtures.js';

const region = useTestRegion();

interface ReservedIp {
  id: number;
  ip: string;
  subnet: { id: number; cidr: string; resource_uri: string };
  mac_address: string | null;
  comment: string;
  resource_uri: string;
}

const alice = () => ({ key: region.userKey });
/** Reserved IPs are written by administrators only (MAAS's admin_method). */
const admin = () => ({ key: region.adminKey });
let v4: { id: number; cidr: string; vlan: { id: number } };

async function subnet(cidr: string) {
  const response = await region.request('POST', `${api}/subnets/`, { key: region.adminKey, form: { cidr } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ id: number; cidr: string; vlan: { id: number } }>();
}

const post = (form: Record<string, string>) =>
  region.request('POST', `${api}/reservedips/`, { ...admin(), form });

async function create(form: Record<string, string>): Promise<ReservedIp> {
  const response = await post(form);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ReservedIp>();
}

beforeAll(async () => {
  v4 = await subnet('10.70.0.0/24');
  await subnet('2001:db8:70::/64');
  const range = await region.request('POST', `${api}/ipranges/`, {
    key: region.adminKey,
    form: { type: 'dynamic', start_ip: '10.70.0.100', end_ip: '10.70.0.150' },
  });
  expect(range.statusCode, range.body).toBe(200);
});

describe('reservedips/', () => {
  it('reserves an address of the subnet it is in, for a MAC: a DHCP host entry', async () => {
    const before = await lastChangeId(region.database.db);
    const reserved = await create({ ip: '10.70.0.10', mac_address: '52-54-00-AA-00-01', comment: 'printer' });
    expect(reserved).toEqual({
      id: reserved.id,
      ip: '10.70.0.10',
      subnet: expect.objectContaining({ id: v4.id, cidr: '10.70.0.0/24' }) as unknown,
      mac_address: '52:54:00:aa:00:01',
      comment: 'printer',
      resource_uri: `${api}/reservedips/${reserved.id}/`,
    });
    expect(await changesAfter(region.database.db, before)).toEqual([
      { kind: 'dhcp.host', subnet_id: v4.id, vlan_id: v4.vlan.id },
    ]);
    const listed = (await region.request('GET', `${api}/reservedips/`, alice())).json<ReservedIp[]>();
    expect(listed).toContainEqual(reserved);
    expect((await region.request('GET', reserved.resource_uri, alice())).json()).toEqual(reserved);
    expect(await auditDescriptions(region.database.db)).toContain(
      'Created reserved IP 10.70.0.10 for 52:54:00:aa:00:01.',
    );
  });

  it('reserves an IPv6 address without a MAC on a subnet named by CIDR, writing no DHCP change', async () => {
    const before = await lastChangeId(region.database.db);
    const reserved = await create({ ip: '2001:db8:70::1:0:5', subnet: '2001:db8:70::/64' });
    expect(reserved).toMatchObject({ ip: '2001:db8:70::1:0:5', mac_address: null, comment: '' });
    expect(await changesAfter(region.database.db, before)).toEqual([]);
  });

  it('keeps the address from the allocator', async () => {
    await create({ ip: '10.70.0.11' });
    const reserve = await region.request('POST', `${api}/ipaddresses/?op=reserve`, {
      ...alice(),
      form: { ip: '10.70.0.11' },
    });
    expect(reserve.statusCode).toBe(404);
    expect(reserve.body).toBe('The IP address 10.70.0.11 is already in use.');
  });

  it.each([
    [{}, { ip: ['This field is required.'] }],
    [{ ip: 'nope' }, { ip: ['Enter a valid IPv4 or IPv6 address.'] }],
    [
      { ip: '10.70.0.12', mac_address: '00:11:22:33:44:gg' },
      { mac_address: ["'00:11:22:33:44:gg' is not a valid MAC address."] },
    ],
    [{ ip: '10.99.0.1' }, { subnet: ['There is no subnet for 10.99.0.1. Create the subnet and try again.'] }],
    [
      { ip: '10.70.0.12', subnet: '77777' },
      { subnet: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
    [{ ip: '10.71.0.1', subnet: '10.70.0.0/24' }, { ip: ['10.71.0.1 is not part of the subnet.'] }],
    [{ ip: '10.70.0.0', subnet: '10.70.0.0/24' }, { ip: ['The network address cannot be a reserved IP.'] }],
    [{ ip: '10.70.0.255' }, { ip: ['The broadcast address cannot be a reserved IP.'] }],
    [
      { ip: '2001:db8:70::', subnet: '2001:db8:70::/64' },
      { ip: ['The network address cannot be a reserved IP.'] },
    ],
    [
      { ip: '10.70.0.120' },
      { ip: ['The reserved IP 10.70.0.120 must be outside the dynamic range 10.70.0.100 - 10.70.0.150.'] },
    ],
  ])('refuses %j with MAAS’s field errors', async (form, errors) => {
    const response = await post(form);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toEqual(errors);
  });

  it('refuses an address reserved already (also when two race) and a MAC reserved on the subnet', async () => {
    const responses = await Promise.all([
      post({ ip: '10.70.0.20', mac_address: '52:54:00:aa:00:20' }),
      post({ ip: '10.70.0.20', mac_address: '52:54:00:aa:00:21' }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json()).toEqual({
      ip: ['Reserved IP with this IP address already exists.'],
    });
    const winner = responses.find((r) => r.statusCode === 200)?.json<ReservedIp>();
    const sameMac = await post({ ip: '10.70.0.21', mac_address: winner?.mac_address ?? '' });
    expect(sameMac.statusCode).toBe(400);
    expect(sameMac.json()).toEqual({
      __all__: ['Reserved IP with this MAC address and Subnet already exists.'],
    });
  });

  it('refuses an address a machine holds unless the reservation is for that machine’s MAC', async () => {
    const db = region.database.db;
    const iface = await insertMachineInterface(db, v4.vlan.id, {
      hostname: 'reserved-holder',
      name: 'eth0',
      type: 'physical',
      mac: '52:54:00:aa:00:30',
    });
    await db
      .insertInto('ip_addresses')
      .values({ ip: '10.70.0.30', subnet_id: v4.id, alloc_type: 1, interface_id: iface })
      .execute();
    const other = await post({ ip: '10.70.0.30', mac_address: '52:54:00:aa:00:31' });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual({ ip: ['The ip 10.70.0.30 is already in use by another machine.'] });
    expect((await post({ ip: '10.70.0.30', mac_address: '52:54:00:aa:00:30' })).statusCode).toBe(200);
  });
});

describe('reservedips/{id}/', () => {
  it('changes only the comment; the ip, MAC and subnet are immutable as in MAAS', async () => {
    const reserved = await create({ ip: '10.70.0.40', mac_address: '52:54:00:aa:00:40' });
    const updated = await region.request('PUT', reserved.resource_uri, {
      ...admin(),
      form: { comment: 'rack 3', ip: '10.70.0.40' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ comment: 'rack 3', ip: '10.70.0.40' });
    for (const form of [
      { ip: '10.70.0.41' },
      { mac_address: '52:54:00:aa:00:41' },
      { subnet: '2001:db8:70::/64' },
    ]) {
      const response = await region.request('PUT', reserved.resource_uri, { ...admin(), form });
      expect(response.statusCode, JSON.stringify(form)).toBe(400);
      expect(response.json()).toEqual({
        __all__: [
          'The ip, mac_address and the subnet of a reserved IP are immutable. Delete the entry and recreate it.',
        ],
      });
    }
  });

  it('deletes a reservation, removing its DHCP host entry', async () => {
    const reserved = await create({ ip: '10.70.0.50', mac_address: '52:54:00:aa:00:50' });
    const before = await lastChangeId(region.database.db);
    expect((await region.request('DELETE', reserved.resource_uri, admin())).statusCode).toBe(204);
    const rows = await region.database.db
      .selectFrom('network_changes')
      .select('payload')
      .where('id', '>', before)
      .execute();
    expect(rows.map((r) => r.payload)).toEqual([
      {
        kind: 'dhcp.host',
        action: 'remove',
        subnetId: v4.id,
        vlanId: v4.vlan.id,
        ip: '10.70.0.50',
        mac: '52:54:00:aa:00:50',
        hostname: null,
      },
    ]);
    const gone = await region.request('GET', reserved.resource_uri, alice());
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toBe('No ReservedIP matches the given query.');
  });

  it('keeps a dynamic range and a reservation from crossing when both are asked for at once', async () => {
    const [range, reserved] = await Promise.all([
      region.request('POST', `${api}/ipranges/`, {
        key: region.adminKey,
        form: { type: 'dynamic', start_ip: '10.70.0.200', end_ip: '10.70.0.210' },
      }),
      post({ ip: '10.70.0.205' }),
    ]);
    expect([range.statusCode, reserved.statusCode].sort()).toEqual([200, 400]);
  });
});
