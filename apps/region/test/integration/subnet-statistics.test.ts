import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@ferrum/domain';
import { RawResponse, type ActionContext } from '../../src/http/maas/handler.js';
import { FormParams } from '../../src/http/maas/form-params.js';
import { inlineMachinePages } from '../../src/http/maas/machine-pages.js';
import { subnetAddressOps } from '../../src/http/maas/resources/subnet-address-ops.js';
import { useTestRegion } from '../support/test-region.js';
import { addRange, createSubnet } from './ipaddresses-fixtures.js';

const region = useTestRegion();

/**
 * Runs one of the subnet address operations as the dispatcher does (path parameter, query
 * form, signed-in user) and returns its status and parsed JSON body. The operations are called
 * directly: they are routed by the subnets handler (another slice), which spreads them in.
 */
async function op(
  name: string,
  subnet: string | number,
  query = '',
): Promise<{ body: unknown; text: string }> {
  const action = subnetAddressOps.find((a) => a.name === name);
  if (!action) throw new Error(`no op ${name}`);
  const user = await region.database.db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', 'alice')
    .executeTakeFirstOrThrow();
  const ctx: ActionContext = {
    request: {} as FastifyRequest,
    params: { id: String(subnet) },
    form: FormParams.fromSearchParams(new URLSearchParams(query)),
    user,
    services: region.services,
    machinePages: inlineMachinePages(region.services.machines),
  };
  const result = await action.run(ctx);
  const text = result instanceof RawResponse ? result.body.toString() : JSON.stringify(result);
  return { body: JSON.parse(text) as unknown, text };
}

let v4: number;

beforeAll(async () => {
  const db = region.database.db;
  // 192.168.10.0/24: gateway .1, DNS .2, STICKY .10, reserved by alice .11, observed .50,
  // dynamic .100–.149, reserved range .200–.209.
  v4 = await createSubnet(db, {
    cidr: '192.168.10.0/24',
    name: 'stats',
    gateway: '192.168.10.1',
    dns: ['192.168.10.2'],
  });
  await addRange(db, v4, 'dynamic', '192.168.10.100', '192.168.10.149');
  await addRange(db, v4, 'reserved', '192.168.10.200', '192.168.10.209');
  const domainId = (
    await db.selectFrom('domains').select('id').where('is_default', '=', true).executeTakeFirstOrThrow()
  ).id;
  const zoneId = (
    await db.selectFrom('zones').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()
  ).id;
  const device = await db
    .insertInto('devices')
    .values({ system_id: 'devst1', hostname: 'sensor', domain_id: domainId, zone_id: zoneId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const iface = await db
    .insertInto('interfaces')
    .values({ device_id: device.id, name: 'eth1', mac_address: '52:54:00:10:00:01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('ip_addresses')
    .values([
      { ip: '192.168.10.10', subnet_id: v4, alloc_type: 1, interface_id: iface.id },
      { ip: '192.168.10.50', subnet_id: v4, alloc_type: 6, last_seen: new Date() },
    ])
    .execute();
  const reserved = await region.request('POST', '/MAAS/api/2.0/ipaddresses/?op=reserve', {
    key: region.userKey,
    form: { ip: '192.168.10.11', hostname: 'camera' },
  });
  expect(reserved.statusCode, reserved.body).toBe(200);
});

describe('subnets/{id}/?op=statistics', () => {
  it("counts a small IPv4 subnet's addresses exactly as MAAS", async () => {
    expect((await op('statistics', v4)).body).toEqual({
      num_available: 189,
      largest_available: 50,
      num_unavailable: 65,
      total_addresses: 254,
      usage: 65 / 254,
      usage_string: '26%',
      available_string: '74%',
      first_address: '192.168.10.1',
      last_address: '192.168.10.254',
      ip_version: 4,
    });
  });

  it('lists every range with include_ranges and finds the subnet by CIDR or name', async () => {
    const { body } = await op('statistics', '192.168.10.0/24', 'include_ranges=1');
    const ranges = (
      body as { ranges: { start: string; end: string; num_addresses: number; purpose: string[] }[] }
    ).ranges;
    expect(ranges.slice(0, 4)).toEqual([
      { start: '192.168.10.1', end: '192.168.10.1', num_addresses: 1, purpose: ['gateway-ip'] },
      { start: '192.168.10.2', end: '192.168.10.2', num_addresses: 1, purpose: ['dns-server'] },
      { start: '192.168.10.3', end: '192.168.10.9', num_addresses: 7, purpose: ['unused'] },
      { start: '192.168.10.10', end: '192.168.10.11', num_addresses: 2, purpose: ['assigned-ip'] },
    ]);
    expect(ranges.reduce((sum, r) => sum + r.num_addresses, 0)).toBe(254);
    expect((await op('statistics', 'stats')).body).toMatchObject({ total_addresses: 254 });
  });

  it('suggests a gateway and a dynamic range only for a subnet that has neither', async () => {
    expect((await op('statistics', v4, 'include_suggestions=1')).body).toMatchObject({
      suggested_gateway: null,
      suggested_dynamic_range: null,
    });
    const empty = await createSubnet(region.database.db, { cidr: '10.60.0.0/24' });
    expect((await op('statistics', empty, 'include_suggestions=true')).body).toMatchObject({
      suggested_gateway: '10.60.0.1',
      suggested_dynamic_range: {
        start: '10.60.0.191',
        end: '10.60.0.254',
        num_addresses: 64,
        purpose: ['proposed-dynamic'],
      },
    });
  });

  it('prints the counts of an IPv6 /64 as exact integers', async () => {
    const id = await createSubnet(region.database.db, { cidr: '2001:db8:60::/64' });
    const { text, body } = await op('statistics', id);
    expect(text).toContain('"total_addresses":18446744073709551616');
    expect(text).toContain('"num_unavailable":4294967296');
    expect(text).toContain('"num_available":18446744069414584320');
    expect(body).toMatchObject({
      usage_string: '0%',
      available_string: '100%',
      first_address: '2001:db8:60::',
      last_address: '2001:db8:60:0:ffff:ffff:ffff:ffff',
      ip_version: 6,
    });
  });

  it('counts a small IPv6 subnet, its anycast address included', async () => {
    const id = await createSubnet(region.database.db, { cidr: '2001:db8:61::/126' });
    await region.database.db
      .insertInto('ip_addresses')
      .values({ ip: '2001:db8:61::2', subnet_id: id, alloc_type: 1 })
      .execute();
    expect((await op('statistics', id)).body).toEqual({
      num_available: 2,
      largest_available: 1,
      num_unavailable: 2,
      total_addresses: 4,
      usage: 0.5,
      usage_string: '50%',
      available_string: '50%',
      first_address: '2001:db8:61::',
      last_address: '2001:db8:61::3',
      ip_version: 6,
    });
  });

  it('counts 10,000 assigned addresses of a /16', async () => {
    const id = await createSubnet(region.database.db, { cidr: '10.70.0.0/16' });
    await region.database.db
      .insertInto('ip_addresses')
      .values(
        Array.from({ length: 10_000 }, (_, i) => ({
          ip: `10.70.${Math.floor((i * 3) / 250)}.${((i * 3) % 250) + 1}`,
          subnet_id: id,
          alloc_type: 1,
        })),
      )
      .execute();
    const { body } = await op('statistics', id);
    expect(body).toMatchObject({ num_unavailable: 10_000, total_addresses: 65_534, num_available: 55_534 });
  });

  it("answers MAAS's 404 for an unknown subnet", async () => {
    await expect(op('statistics', 999_999)).rejects.toThrow(
      new AppError('not_found', 'No Subnet matches the given query.'),
    );
  });
});

describe('the address operations through the API', () => {
  it('are routed on subnets/{id}/ and answer the same JSON, as application/json', async () => {
    const response = await region.request('GET', `/MAAS/api/2.0/subnets/${v4}/?op=statistics`, {
      key: region.userKey,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.json()).toEqual((await op('statistics', v4)).body);
    const unknown = await region.request('GET', '/MAAS/api/2.0/subnets/999999/?op=ip_addresses', {
      key: region.userKey,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('No Subnet matches the given query.');
  });
});

describe('subnets/{id}/?op=reserved_ip_ranges and unreserved_ip_ranges', () => {
  it('lists the used ranges with their purposes and the free ones', async () => {
    expect((await op('reserved_ip_ranges', v4)).body).toEqual([
      { start: '192.168.10.1', end: '192.168.10.1', num_addresses: 1, purpose: ['gateway-ip'] },
      { start: '192.168.10.2', end: '192.168.10.2', num_addresses: 1, purpose: ['dns-server'] },
      { start: '192.168.10.10', end: '192.168.10.11', num_addresses: 2, purpose: ['assigned-ip'] },
      { start: '192.168.10.50', end: '192.168.10.50', num_addresses: 1, purpose: ['assigned-ip'] },
      { start: '192.168.10.100', end: '192.168.10.149', num_addresses: 50, purpose: ['dynamic'] },
      { start: '192.168.10.200', end: '192.168.10.209', num_addresses: 10, purpose: ['reserved'] },
    ]);
    expect((await op('unreserved_ip_ranges', v4)).body).toEqual([
      { start: '192.168.10.3', end: '192.168.10.9', num_addresses: 7 },
      { start: '192.168.10.12', end: '192.168.10.49', num_addresses: 38 },
      { start: '192.168.10.51', end: '192.168.10.99', num_addresses: 49 },
      { start: '192.168.10.150', end: '192.168.10.199', num_addresses: 50 },
      { start: '192.168.10.210', end: '192.168.10.254', num_addresses: 45 },
    ]);
  });
});

describe('subnets/{id}/?op=ip_addresses', () => {
  const stamp =
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\. \d{4} \d\d:\d\d:\d\d$/;

  it('lists the addresses in order with users, node summaries and DNS names', async () => {
    const { body } = await op('ip_addresses', v4);
    expect(body).toEqual([
      {
        ip: '192.168.10.10',
        alloc_type: 1,
        created: expect.stringMatching(stamp) as string,
        updated: expect.stringMatching(stamp) as string,
        node_summary: {
          system_id: 'devst1',
          node_type: 1,
          fqdn: expect.stringMatching(/^sensor\./) as string,
          hostname: 'sensor',
          is_container: false,
          via: 'eth1',
        },
      },
      {
        ip: '192.168.10.11',
        alloc_type: 4,
        created: expect.stringMatching(stamp) as string,
        updated: expect.stringMatching(stamp) as string,
        user: 'alice',
        dns_records: [
          { id: expect.any(Number) as number, name: 'camera', domain: expect.any(String) as string },
        ],
      },
      {
        ip: '192.168.10.50',
        alloc_type: 6,
        created: expect.stringMatching(stamp) as string,
        updated: expect.stringMatching(stamp) as string,
      },
    ]);
  });

  it('leaves out users and summaries when asked', async () => {
    const { body } = await op('ip_addresses', v4, 'with_username=0&with_summary=0');
    expect((body as object[]).map((a) => Object.keys(a).sort())).toEqual([
      ['alloc_type', 'created', 'ip', 'updated'],
      ['alloc_type', 'created', 'ip', 'updated'],
      ['alloc_type', 'created', 'ip', 'updated'],
    ]);
    const deprecated = await op('ip_addresses', v4, 'with_node_summary=0');
    expect(JSON.stringify(deprecated.body)).not.toContain('node_summary');
  });
});
