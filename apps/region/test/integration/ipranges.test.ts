import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { api, auditDescriptions, changesAfter, lastChangeId } from './fabrics-fixtures.js';

const region = useTestRegion();

interface Range {
  id: number;
  type: string;
  start_ip: string;
  end_ip: string;
  comment: string;
  user: {
    username: string;
    email: string;
    is_superuser: boolean;
    is_local: boolean;
    resource_uri: string;
  } | null;
  subnet: { id: number; cidr: string; resource_uri: string };
  resource_uri: string;
}

const admin = () => ({ key: region.adminKey });
const alice = () => ({ key: region.userKey });

let v4: { id: number; cidr: string; vlan: { id: number } };
let v6: { id: number; cidr: string };

async function subnet(form: Record<string, string>) {
  const response = await region.request('POST', `${api}/subnets/`, { ...admin(), form });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ id: number; cidr: string; vlan: { id: number } }>();
}

function post(form: Record<string, string>, who = admin()) {
  return region.request('POST', `${api}/ipranges/`, { ...who, form });
}

async function create(form: Record<string, string>, who = admin()): Promise<Range> {
  const response = await post(form, who);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Range>();
}

async function refused(form: Record<string, string>): Promise<unknown> {
  const response = await post(form);
  expect(response.statusCode, response.body).toBe(400);
  return response.json();
}

beforeAll(async () => {
  v4 = await subnet({ cidr: '192.168.50.0/24', gateway_ip: '192.168.50.1', dns_servers: '192.168.50.2' });
  v6 = await subnet({ cidr: '2001:db8:50::/64' });
});

describe('POST ipranges/', () => {
  it('creates a range on the subnet its start address is in, owned by its creator, with MAAS’s JSON', async () => {
    const range = await create({
      type: 'dynamic',
      start_ip: '192.168.50.100',
      end_ip: '192.168.50.150',
      comment: 'pool',
    });
    expect(range).toEqual({
      id: range.id,
      type: 'dynamic',
      start_ip: '192.168.50.100',
      end_ip: '192.168.50.150',
      comment: 'pool',
      user: {
        username: 'admin',
        email: 'admin@example.com',
        is_local: true,
        is_superuser: true,
        resource_uri: `${api}/users/admin/`,
      },
      subnet: expect.objectContaining({
        id: v4.id,
        cidr: '192.168.50.0/24',
        resource_uri: `${api}/subnets/${v4.id}/`,
      }) as unknown,
      resource_uri: `${api}/ipranges/${range.id}/`,
    });
    const listed = (await region.request('GET', `${api}/ipranges/`, alice())).json<Range[]>();
    expect(listed).toContainEqual(range);
    expect((await region.request('GET', range.resource_uri, alice())).json()).toEqual(range);
  });

  it('creates an IPv6 range on a subnet named by id or CIDR', async () => {
    // MAAS holds ::1 to ::ffff:ffff of a /64 back by itself.
    const held = await post({ type: 'reserved', start_ip: '2001:db8:50::1:1', end_ip: '2001:db8:50::1:9' });
    expect(held.json()).toEqual({
      start_ip: ['Requested reserved range conflicts with an existing range.'],
      end_ip: ['Requested reserved range conflicts with an existing range.'],
    });
    const byId = await create({
      type: 'reserved',
      start_ip: '2001:db8:50::1:0:1',
      end_ip: '2001:db8:50::1:0:9',
      subnet: String(v6.id),
    });
    expect(byId.subnet.id).toBe(v6.id);
    const byCidr = await create({
      type: 'dynamic',
      start_ip: '2001:db8:50::2:0:0',
      end_ip: '2001:db8:50::2:0:ff',
      subnet: '2001:db8:50::/64',
    });
    expect(byCidr).toMatchObject({ start_ip: '2001:db8:50::2:0:0', end_ip: '2001:db8:50::2:0:ff' });
  });

  it.each([
    [{ start_ip: '192.168.50.10', end_ip: '192.168.50.20' }, { type: ['This field is required.'] }],
    [
      { type: 'static', start_ip: '192.168.50.10', end_ip: '192.168.50.20' },
      { type: ['Select a valid choice. static is not one of the available choices.'] },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.10', end_ip: 'x' },
      { end_ip: ['Enter a valid IPv4 or IPv6 address.'] },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.20', end_ip: '192.168.50.10' },
      { end_ip: ['End IP address must not be less than Start IP address.'] },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.10', end_ip: '2001:db8:50::9' },
      {
        start_ip: ['Start IP address and end IP address must be in the same address family.'],
        end_ip: ['Start IP address and end IP address must be in the same address family.'],
      },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.250', end_ip: '192.168.51.5' },
      { end_ip: ['End IP address must be within subnet: 192.168.50.0/24.'] },
    ],
    [
      { type: 'reserved', start_ip: '10.200.0.1', end_ip: '10.200.0.5', subnet: '192.168.50.0/24' },
      {
        start_ip: ['IP addresses must be within subnet: 192.168.50.0/24.'],
        end_ip: ['IP addresses must be within subnet: 192.168.50.0/24.'],
      },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.0', end_ip: '192.168.50.5' },
      { start_ip: ['Reserved network address cannot be included in IP range.'] },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.250', end_ip: '192.168.50.255' },
      { end_ip: ['Broadcast address cannot be included in IP range.'] },
    ],
    [
      { type: 'dynamic', start_ip: '2001:db8:50::3:0', end_ip: '2001:db8:50::3:10' },
      {
        start_ip: ['IPv6 dynamic range must be at least 256 addresses in size.'],
        end_ip: ['IPv6 dynamic range must be at least 256 addresses in size.'],
      },
    ],
    [
      { type: 'dynamic', start_ip: '192.168.50.1', end_ip: '192.168.50.9' },
      {
        start_ip: ['Requested dynamic range conflicts with an existing IP address or range.'],
        end_ip: ['Requested dynamic range conflicts with an existing IP address or range.'],
      },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.140', end_ip: '192.168.50.160' },
      {
        start_ip: ['Requested reserved range conflicts with an existing range.'],
        end_ip: ['Requested reserved range conflicts with an existing range.'],
      },
    ],
    [
      { type: 'reserved', start_ip: '10.201.0.1', end_ip: '10.201.0.9' },
      { subnet: ['This field is required.'] },
    ],
    [
      { type: 'reserved', start_ip: '192.168.50.10', end_ip: '192.168.50.12', subnet: '98765' },
      { subnet: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
    [
      {},
      {
        type: ['This field is required.'],
        start_ip: ['This field is required.'],
        end_ip: ['This field is required.'],
        subnet: ['This field is required.'],
      },
    ],
  ])('refuses %j with MAAS’s field errors', async (form, errors) => {
    expect(await refused(form as Record<string, string>)).toEqual(errors);
  });

  it('refuses a dynamic range over a reserved IP', async () => {
    const reserved = await region.request('POST', `${api}/reservedips/`, {
      ...admin(),
      form: { ip: '192.168.50.205' },
    });
    expect(reserved.statusCode, reserved.body).toBe(200);
    expect(await refused({ type: 'dynamic', start_ip: '192.168.50.200', end_ip: '192.168.50.210' })).toEqual({
      __all__: ['The dynamic IP range cannot include reserved IPs.'],
    });
  });

  it('lets a user create reserved ranges but only admins dynamic ones', async () => {
    const mine = await create(
      { type: 'reserved', start_ip: '192.168.50.30', end_ip: '192.168.50.39' },
      alice(),
    );
    expect(mine.user?.username).toBe('alice');
    const dynamic = await post(
      { type: 'dynamic', start_ip: '192.168.50.40', end_ip: '192.168.50.49' },
      alice(),
    );
    expect(dynamic.statusCode).toBe(403);
    expect(dynamic.body).toBe("Unable to create dynamic IP range. You don't have sufficient privileges.");
  });

  it('keeps ranges apart under concurrency: of 20 overlapping creates exactly one succeeds', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post({ type: 'reserved', start_ip: `192.168.50.${160 + i}`, end_ip: `192.168.50.${180 + i}` }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 400)).toHaveLength(19);
    const ranges = await region.database.db
      .selectFrom('ip_ranges')
      .select('id')
      .where('subnet_id', '=', v4.id)
      .where('start_ip', '>=', '192.168.50.160')
      .where('start_ip', '<=', '192.168.50.179')
      .execute();
    expect(ranges).toHaveLength(1);
  });
});

describe('ipranges/{id}/', () => {
  it('lets the creator or an admin change or delete a range, nobody else', async () => {
    const adminRange = await create({ type: 'reserved', start_ip: '192.168.50.60', end_ip: '192.168.50.64' });
    for (const method of ['PUT', 'DELETE']) {
      const response = await region.request(method, adminRange.resource_uri, {
        ...alice(),
        form: { comment: 'x' },
      });
      expect(response.statusCode, method).toBe(403);
      expect(response.body).toBe("Unable to modify IP range. You don't own the IP range.");
    }
    const hers = await create(
      { type: 'reserved', start_ip: '192.168.50.70', end_ip: '192.168.50.74' },
      alice(),
    );
    const renamed = await region.request('PUT', hers.resource_uri, {
      ...alice(),
      form: { comment: 'mine', end_ip: '192.168.50.79' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      comment: 'mine',
      start_ip: '192.168.50.70',
      end_ip: '192.168.50.79',
      user: { username: 'alice' },
    });
    const promoted = await region.request('PUT', hers.resource_uri, {
      ...alice(),
      form: { type: 'dynamic' },
    });
    expect(promoted.statusCode).toBe(403);
    expect((await region.request('DELETE', hers.resource_uri, admin())).statusCode).toBe(204);
    expect((await region.request('GET', hers.resource_uri, alice())).statusCode).toBe(404);
  });

  it('grows a dynamic range around its own leases but not over another range', async () => {
    const range = await create({ type: 'dynamic', start_ip: '192.168.50.220', end_ip: '192.168.50.225' });
    await region.database.db
      .insertInto('ip_addresses')
      .values({ ip: '192.168.50.221', subnet_id: v4.id, alloc_type: 5 })
      .execute();
    const grown = await region.request('PUT', range.resource_uri, {
      ...admin(),
      form: { end_ip: '192.168.50.230' },
    });
    expect(grown.statusCode, grown.body).toBe(200);
    await create({ type: 'reserved', start_ip: '192.168.50.212', end_ip: '192.168.50.214' });
    const over = await region.request('PUT', range.resource_uri, {
      ...admin(),
      form: { start_ip: '192.168.50.210' },
    });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toEqual({
      start_ip: ['Requested dynamic range conflicts with an existing IP address or range.'],
      end_ip: ['Requested dynamic range conflicts with an existing IP address or range.'],
    });
  });

  it("answers MAAS's 404 for an unknown range", async () => {
    for (const key of ['999999', 'x']) {
      const response = await region.request('GET', `${api}/ipranges/${key}/`, alice());
      expect(response.statusCode).toBe(404);
      expect(response.body).toBe('No IPRange matches the given query.');
    }
  });

  it('writes dhcp.subnet for every dynamic-range change and nothing for reserved ranges', async () => {
    const db = region.database.db;
    let before = await lastChangeId(db);
    const reserved = await create({ type: 'reserved', start_ip: '192.168.50.80', end_ip: '192.168.50.84' });
    await region.request('PUT', reserved.resource_uri, { ...admin(), form: { comment: 'c' } });
    await region.request('DELETE', reserved.resource_uri, admin());
    expect(await changesAfter(db, before)).toEqual([]);
    const dhcp = { kind: 'dhcp.subnet', subnet_id: v4.id, vlan_id: v4.vlan.id };
    before = await lastChangeId(db);
    const dynamic = await create({ type: 'dynamic', start_ip: '192.168.50.85', end_ip: '192.168.50.89' });
    expect(await changesAfter(db, before)).toEqual([dhcp]);
    before = await lastChangeId(db);
    await region.request('PUT', dynamic.resource_uri, { ...admin(), form: { end_ip: '192.168.50.90' } });
    expect(await changesAfter(db, before)).toEqual([dhcp]);
    before = await lastChangeId(db);
    await region.request('DELETE', dynamic.resource_uri, admin());
    expect(await changesAfter(db, before)).toEqual([dhcp]);
    const audits = await auditDescriptions(db);
    expect(audits).toContain(
      "Created dynamic IP range 192.168.50.85-192.168.50.89 on subnet '192.168.50.0/24'.",
    );
    expect(audits).toContain(
      "Deleted dynamic IP range 192.168.50.85-192.168.50.90 on subnet '192.168.50.0/24'.",
    );
  });
});
