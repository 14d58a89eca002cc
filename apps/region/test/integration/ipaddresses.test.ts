import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { addRange, changesSince, createSubnet, lastChangeId } from './ipaddresses-fixtures.js';

const region = useTestRegion();
const api = '/MAAS/api/2.0';

interface Address {
  alloc_type: number;
  alloc_type_name: string;
  created: string;
  ip: string;
  owner: { username: string; is_superuser: boolean; resource_uri: string } | null;
  interface_set: unknown[];
  subnet: { id: number; cidr: string; resource_uri: string; vlan: { id: number } } | null;
  resource_uri: string;
}

let subnetId: number;
let vlanId: number;
let domain: string;

beforeAll(async () => {
  const db = region.database.db;
  // 10.20.0.0/24: gateway .1, DNS server .2, dynamic range .100–.199.
  subnetId = await createSubnet(db, {
    cidr: '10.20.0.0/24',
    name: 'lab',
    gateway: '10.20.0.1',
    dns: ['10.20.0.2'],
  });
  await addRange(db, subnetId, 'dynamic', '10.20.0.100', '10.20.0.199');
  vlanId = (
    await db.selectFrom('subnets').select('vlan_id').where('id', '=', subnetId).executeTakeFirstOrThrow()
  ).vlan_id;
  domain = (
    await db.selectFrom('domains').select('name').where('is_default', '=', true).executeTakeFirstOrThrow()
  ).name;
});

function reserve(key: string, form: Record<string, string>) {
  return region.request('POST', `${api}/ipaddresses/?op=reserve`, { key, form });
}

function release(key: string, form: Record<string, string>) {
  return region.request('POST', `${api}/ipaddresses/?op=release`, { key, form });
}

async function reserved(key: string, form: Record<string, string>): Promise<Address> {
  const response = await reserve(key, form);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Address>();
}

describe('POST ipaddresses/?op=reserve', () => {
  it("reserves an address of the subnet for the caller, in MAAS's JSON", async () => {
    const address = await reserved(region.userKey, { subnet: '10.20.0.0/24' });
    expect(address).toEqual({
      alloc_type: 4,
      alloc_type_name: 'User reserved',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$/) as string,
      ip: expect.stringMatching(/^10\.20\.0\.\d+$/) as string,
      owner: expect.objectContaining({
        username: 'alice',
        is_superuser: false,
        resource_uri: `${api}/users/alice/`,
      }) as unknown,
      interface_set: [],
      subnet: expect.objectContaining({
        id: subnetId,
        cidr: '10.20.0.0/24',
        resource_uri: `${api}/subnets/${subnetId}/`,
      }) as unknown,
      resource_uri: `${api}/ipaddresses/`,
    });
    // Never the gateway, the DNS server or an address of the dynamic range.
    const last = Number(address.ip.split('.')[3]);
    expect([0, 1, 2, 255]).not.toContain(last);
    expect(last >= 100 && last <= 199).toBe(false);
  });

  it('finds the subnet by id and by name too', async () => {
    const byId = await reserved(region.userKey, { subnet: String(subnetId) });
    const byName = await reserved(region.userKey, { subnet: 'lab' });
    expect(byId.subnet?.id).toBe(subnetId);
    expect(byName.subnet?.id).toBe(subnetId);
    expect(byId.ip).not.toBe(byName.ip);
  });

  it("reserves the address asked for, by 'ip' or by its deprecated alias 'ip_address'", async () => {
    expect((await reserved(region.userKey, { ip: '10.20.0.50' })).ip).toBe('10.20.0.50');
    expect((await reserved(region.userKey, { ip_address: '10.20.0.51' })).ip).toBe('10.20.0.51');
  });

  it('refuses an address already in use with 404, as MAAS', async () => {
    await reserved(region.adminKey, { ip: '10.20.0.60' });
    const response = await reserve(region.userKey, { ip: '10.20.0.60' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('The IP address 10.20.0.60 is already in use.');
  });

  it('refuses an address of a dynamic range with 403 and says a MAC address is needed', async () => {
    const response = await reserve(region.userKey, { ip: '10.20.0.150' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe(
      'IP address 10.20.0.150 belongs to an existing dynamic range. To reserve this IP address, a MAC address is required. (Create a device instead.)',
    );
  });

  it('refuses the broadcast address of the subnet', async () => {
    const response = await reserve(region.userKey, { ip: '10.20.0.255' });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('10.20.0.255 is not a usable address of subnet 10.20.0.0/24');
  });

  it("answers MAAS's 400s for a missing, unknown or malformed subnet or address", async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, "Must supply either the 'subnet' or the 'ip' parameter."],
      [{ subnet: '192.0.2.0/24' }, 'Unable to identify subnet: 192.0.2.0/24.'],
      [{ ip: '192.0.2.9' }, 'No known subnet for IP address: 192.0.2.9.'],
    ];
    for (const [form, message] of cases) {
      const response = await reserve(region.userKey, form);
      expect(response.statusCode, JSON.stringify(form)).toBe(400);
      expect(response.body).toBe(message);
    }
    const malformed = await reserve(region.userKey, { ip: '10.20.0.999' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ ip_address: ['Enter a valid IPv4 or IPv6 address.'] });
    const badMac = await reserve(region.userKey, { subnet: 'lab', mac: 'not-a-mac' });
    expect(badMac.statusCode).toBe(400);
    expect(badMac.json()).toEqual({ mac: ["'not-a-mac' is not a valid MAC address."] });
    const badName = await reserve(region.userKey, { subnet: 'lab', hostname: 'under_score' });
    expect(badName.statusCode).toBe(400);
    expect(Object.keys(badName.json<object>())).toEqual(['hostname']);
  });

  it('writes a DHCP host entry for a MAC and a DNS record for a hostname in the same transaction', async () => {
    const before = await lastChangeId(region.database.db);
    const address = await reserved(region.userKey, {
      subnet: 'lab',
      mac: '52:54:00:AA:BB:01',
      hostname: 'printer',
    });
    expect(await changesSince(region.database.db, before)).toEqual([
      {
        kind: 'dhcp.host',
        action: 'upsert',
        subnetId,
        vlanId,
        ip: address.ip,
        mac: '52:54:00:aa:bb:01',
        hostname: 'printer',
      },
      {
        kind: 'dns.address',
        action: 'upsert',
        subnetId,
        fqdn: `printer.${domain}`,
        ip: address.ip,
        ttl: null,
      },
    ]);
  });

  it('names a reservation without hostname by its address in the default domain, as MAAS serves it', async () => {
    const before = await lastChangeId(region.database.db);
    const address = await reserved(region.userKey, { ip: '10.20.0.70' });
    expect(await changesSince(region.database.db, before)).toEqual([
      {
        kind: 'dns.address',
        action: 'upsert',
        subnetId,
        fqdn: `10-20-0-70.${domain}`,
        ip: address.ip,
        ttl: null,
      },
    ]);
  });

  it('refuses a hostname in a domain that does not exist', async () => {
    const response = await reserve(region.userKey, { subnet: 'lab', hostname: 'web.nowhere.example' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No Domain matches the given query.');
  });

  it('gives a MAC one reservation per subnet (409 for a second)', async () => {
    await reserved(region.userKey, { subnet: 'lab', mac: '52:54:00:aa:bb:02' });
    const second = await reserve(region.adminKey, { subnet: 'lab', mac: '52-54-00-aa-bb-02' });
    expect(second.statusCode).toBe(409);
    expect(second.body).toMatch(
      /^MAC address 52:54:00:aa:bb:02 already has the IP address\(es\) 10\.20\.0\.\d+\.$/,
    );
  });
});

describe('GET ipaddresses/', () => {
  it("lists only the caller's own reservations", async () => {
    const mine = await reserved(region.userKey, { ip: '10.20.0.80' });
    const theirs = await reserved(region.adminKey, { ip: '10.20.0.81' });
    const listed = (await region.request('GET', `${api}/ipaddresses/`, { key: region.userKey })).json<
      Address[]
    >();
    expect(listed.map((a) => a.ip)).toContain(mine.ip);
    expect(listed.map((a) => a.ip)).not.toContain(theirs.ip);
    expect(listed.every((a) => a.owner?.username === 'alice')).toBe(true);
  });

  it('filters by ip', async () => {
    const response = await region.request('GET', `${api}/ipaddresses/?ip=10.20.0.80`, {
      key: region.userKey,
    });
    expect(response.json<Address[]>().map((a) => a.ip)).toEqual(['10.20.0.80']);
    const bad = await region.request('GET', `${api}/ipaddresses/?ip=nope`, { key: region.userKey });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe("Parameter 'ip' must contain an IP address.");
  });

  it("lets admins list everyone's addresses of every type (all) or one owner's", async () => {
    await region.database.db
      .insertInto('ip_addresses')
      .values({ ip: '10.20.0.90', subnet_id: subnetId, alloc_type: 6, last_seen: new Date() })
      .execute();
    const all = (await region.request('GET', `${api}/ipaddresses/?all=true`, { key: region.adminKey })).json<
      Address[]
    >();
    expect(all.find((a) => a.ip === '10.20.0.90')).toMatchObject({
      alloc_type: 6,
      alloc_type_name: 'Observed',
      owner: null,
    });
    expect(all.some((a) => a.owner?.username === 'alice')).toBe(true);
    const alices = (
      await region.request('GET', `${api}/ipaddresses/?owner=alice`, { key: region.adminKey })
    ).json<Address[]>();
    expect(alices.length).toBeGreaterThan(0);
    expect(alices.every((a) => a.owner?.username === 'alice' && a.alloc_type === 4)).toBe(true);
    const own = (await region.request('GET', `${api}/ipaddresses/`, { key: region.adminKey })).json<
      Address[]
    >();
    expect(own.every((a) => a.owner?.username === 'admin')).toBe(true);
  });

  it('refuses all and owner to non-admins with 403', async () => {
    const all = await region.request('GET', `${api}/ipaddresses/?all=1`, { key: region.userKey });
    expect(all.statusCode).toBe(403);
    expect(all.body).toBe('Listing all IP addresses requires admin privileges.');
    const owner = await region.request('GET', `${api}/ipaddresses/?owner=admin`, { key: region.userKey });
    expect(owner.statusCode).toBe(403);
    expect(owner.body).toBe("Listing another user's IP addresses requires admin privileges.");
  });
});

describe('POST ipaddresses/?op=release', () => {
  it('releases the caller’s reservation (204), removing its DHCP host entry and DNS record', async () => {
    const address = await reserved(region.userKey, {
      subnet: 'lab',
      mac: '52:54:00:aa:bb:03',
      hostname: 'cam',
    });
    const before = await lastChangeId(region.database.db);
    const response = await release(region.userKey, { ip: address.ip });
    expect(response.statusCode).toBe(204);
    expect(await changesSince(region.database.db, before)).toEqual([
      {
        kind: 'dhcp.host',
        action: 'remove',
        subnetId,
        vlanId,
        ip: address.ip,
        mac: '52:54:00:aa:bb:03',
        hostname: 'cam',
      },
      { kind: 'dns.address', action: 'remove', subnetId, fqdn: `cam.${domain}`, ip: address.ip, ttl: null },
    ]);
    // The address is free again: asking for it now succeeds.
    expect((await reserved(region.adminKey, { ip: address.ip })).ip).toBe(address.ip);
  });

  it("does not let a user release another user's address, nor force it", async () => {
    const admins = await reserved(region.adminKey, { ip: '10.20.0.91' });
    const response = await release(region.userKey, { ip: admins.ip });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(
      'IP address 10.20.0.91 does not exist, is not the correct type of address, or does not belong to the requesting user.\nIf you are sure you want to release this address, use force=true as a MAAS administrator.',
    );
    const forced = await release(region.userKey, { ip: admins.ip, force: 'true' });
    expect(forced.statusCode).toBe(403);
    expect(forced.body).toBe('Force-releasing an IP address requires admin privileges.');
    const still = await region.request('GET', `${api}/ipaddresses/?ip=10.20.0.91`, { key: region.adminKey });
    expect(still.json<Address[]>()).toHaveLength(1);
  });

  it("lets an admin force the release of a user's address", async () => {
    const alices = await reserved(region.userKey, { ip: '10.20.0.92' });
    expect((await release(region.adminKey, { ip: alices.ip })).statusCode).toBe(400);
    expect((await release(region.adminKey, { ip: alices.ip, force: 'true' })).statusCode).toBe(204);
    const listed = await region.request('GET', `${api}/ipaddresses/?ip=10.20.0.92`, { key: region.userKey });
    expect(listed.json<Address[]>()).toEqual([]);
  });

  it('releases an observed address only with force and discovered', async () => {
    await region.database.db
      .insertInto('ip_addresses')
      .values({ ip: '10.20.0.93', subnet_id: subnetId, alloc_type: 6, last_seen: new Date() })
      .execute();
    const plain = await release(region.adminKey, { ip: '10.20.0.93', force: 'true' });
    expect(plain.statusCode).toBe(400);
    expect(plain.body).toBe('IP address 10.20.0.93 does not exist.');
    expect(
      (await release(region.adminKey, { ip: '10.20.0.93', force: 'true', discovered: 'true' })).statusCode,
    ).toBe(204);
  });

  it('answers 400 for a missing or malformed ip, and for an address released twice', async () => {
    const missing = await release(region.userKey, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ ip: ['This field is required.'] });
    const malformed = await release(region.userKey, { ip: 'x' });
    expect(malformed.json()).toEqual({ ip: ['Enter a valid IPv4 or IPv6 address.'] });
    const address = await reserved(region.userKey, { subnet: 'lab' });
    const twice = await Promise.all([
      release(region.userKey, { ip: address.ip }),
      release(region.userKey, { ip: address.ip }),
    ]);
    expect(twice.map((r) => r.statusCode).sort()).toEqual([204, 400]);
  });
});
