import { beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/services/token-service.js';
import { useTestRegion } from '../support/test-region.js';
import { createSubnet } from './ipaddresses-fixtures.js';

const region = useTestRegion();
const api = '/MAAS/api/2.0';

interface Overview {
  discovered_days: number;
  subnets: {
    subnet: { id: number; cidr: string } | null;
    total: number;
    by_alloc_type: Record<string, number>;
    by_owner: { owner: string; count: number }[];
    by_holder: { system_id: string; hostname: string; node_type: string; count: number }[];
  }[];
  leak_candidates: {
    reason: string;
    ip: string | null;
    alloc_type_name: string;
    owner: string | null;
    cidr: string | null;
  }[];
}

let subnetId: number;
const days = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000);

beforeAll(async () => {
  const db = region.database.db;
  subnetId = await createSubnet(db, { cidr: '10.50.0.0/24' });
  // bob reserves an address, then an admin deletes bob: nothing will ever release it.
  const bob = await region.services.users.create({
    username: 'bob',
    email: 'bob@example.com',
    password: 'bob-pass',
    isSuperuser: false,
  });
  const bobKey = formatApiKey(await region.services.tokens.create(bob.id, 'test'));
  const reserved = await region.request('POST', `${api}/ipaddresses/?op=reserve`, {
    key: bobKey,
    form: { ip: '10.50.0.10' },
  });
  expect(reserved.statusCode, reserved.body).toBe(200);
  const deleted = await region.request('DELETE', `${api}/users/bob/`, { key: region.adminKey });
  expect(deleted.statusCode, deleted.body).toBe(204);
  // alice's reservation, a device holding an address, an AUTO address whose interface is gone,
  // one observed address seen recently and one not seen for 10 days.
  const alice = await region.request('POST', `${api}/ipaddresses/?op=reserve`, {
    key: region.userKey,
    form: { ip: '10.50.0.11' },
  });
  expect(alice.statusCode).toBe(200);
  const domainId = (
    await db.selectFrom('domains').select('id').where('is_default', '=', true).executeTakeFirstOrThrow()
  ).id;
  const zoneId = (
    await db.selectFrom('zones').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()
  ).id;
  const device = await db
    .insertInto('devices')
    .values({ system_id: 'dev001', hostname: 'switch-1', domain_id: domainId, zone_id: zoneId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const iface = await db
    .insertInto('interfaces')
    .values({ device_id: device.id, name: 'eth0', mac_address: '52:54:00:50:00:01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('ip_addresses')
    .values([
      { ip: '10.50.0.20', subnet_id: subnetId, alloc_type: 1, interface_id: iface.id },
      { ip: '10.50.0.21', subnet_id: subnetId, alloc_type: 0, interface_id: null },
      { ip: '10.50.0.30', subnet_id: subnetId, alloc_type: 6, last_seen: new Date() },
      { ip: '10.50.0.31', subnet_id: subnetId, alloc_type: 6, last_seen: days(10) },
    ])
    .execute();
});

async function overview(query = ''): Promise<Overview> {
  const response = await region.request('GET', `${api}/ipaddresses/?op=overview${query}`, {
    key: region.adminKey,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Overview>();
}

describe('GET ipaddresses/?op=overview', () => {
  it('counts the addresses of each subnet by alloc type, owner and holder', async () => {
    const result = await overview();
    const entry = result.subnets.find((s) => s.subnet?.id === subnetId);
    expect(entry).toEqual({
      subnet: expect.objectContaining({ id: subnetId, cidr: '10.50.0.0/24' }) as unknown,
      total: 6,
      by_alloc_type: { Automatic: 1, Static: 1, 'User reserved': 2, DHCP: 0, Observed: 2 },
      by_owner: [
        { owner: 'alice', count: 1 },
        { owner: 'bob', count: 1 },
      ],
      by_holder: [{ system_id: 'dev001', hostname: 'switch-1', node_type: 'device', count: 1 }],
    });
  });

  it('reports the reservation of a deleted user, an address whose interface is gone and a stale observation', async () => {
    const result = await overview();
    expect(result.discovered_days).toBe(7);
    const leaks = result.leak_candidates.map((l) => [l.reason, l.ip, l.owner]);
    expect(leaks).toEqual([
      ['interface_gone', '10.50.0.21', null],
      ['not_seen', '10.50.0.31', null],
      ['owner_deleted', '10.50.0.10', 'bob'],
    ]);
    // The deleted user's address is still held: nobody else can reserve it.
    const again = await region.request('POST', `${api}/ipaddresses/?op=reserve`, {
      key: region.userKey,
      form: { ip: '10.50.0.10' },
    });
    expect(again.statusCode).toBe(404);
  });

  it('takes the staleness of observed addresses from discovered_days', async () => {
    const result = await overview('&discovered_days=30');
    expect(result.leak_candidates.some((l) => l.reason === 'not_seen')).toBe(false);
    const bad = await region.request('GET', `${api}/ipaddresses/?op=overview&discovered_days=soon`, {
      key: region.adminKey,
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json<object>())).toEqual(['discovered_days']);
  });

  it('is for administrators only', async () => {
    const response = await region.request('GET', `${api}/ipaddresses/?op=overview`, { key: region.userKey });
    expect(response.statusCode).toBe(403);
  });
});
