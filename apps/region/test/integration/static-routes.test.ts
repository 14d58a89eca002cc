import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { api, auditDescriptions } from './fabrics-fixtures.js';

const region = useTestRegion();

interface Route {
  id: number;
  source: { id: number; cidr: string; vlan: unknown; resource_uri: string };
  destination: { id: number; cidr: string; resource_uri: string };
  gateway_ip: string;
  metric: number;
  resource_uri: string;
}

const admin = () => ({ key: region.adminKey });
let a: { id: number; cidr: string };
let b: { id: number; cidr: string };

async function subnet(cidr: string) {
  const response = await region.request('POST', `${api}/subnets/`, { ...admin(), form: { cidr } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ id: number; cidr: string }>();
}

const post = (form: Record<string, string>, key = region.adminKey) =>
  region.request('POST', `${api}/static-routes/`, { key, form });

async function create(form: Record<string, string>): Promise<Route> {
  const response = await post(form);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Route>();
}

beforeAll(async () => {
  a = await subnet('10.60.0.0/24');
  b = await subnet('10.61.0.0/24');
  await subnet('2001:db8:60::/64');
});

describe('static-routes/', () => {
  it('creates a route between subnets named by id or CIDR, metric 0 by default, in MAAS’s JSON', async () => {
    const route = await create({
      source: String(a.id),
      destination: '10.61.0.0/24',
      gateway_ip: '10.60.0.254',
    });
    expect(route).toEqual({
      id: route.id,
      source: expect.objectContaining({
        id: a.id,
        cidr: '10.60.0.0/24',
        resource_uri: `${api}/subnets/${a.id}/`,
      }) as unknown,
      destination: expect.objectContaining({ id: b.id, cidr: '10.61.0.0/24' }) as unknown,
      gateway_ip: '10.60.0.254',
      metric: 0,
      resource_uri: `${api}/static-routes/${route.id}/`,
    });
    const listed = (await region.request('GET', `${api}/static-routes/`, { key: region.userKey })).json<
      Route[]
    >();
    expect(listed).toContainEqual(route);
    expect((await region.request('GET', route.resource_uri, { key: region.userKey })).json()).toEqual(route);
    expect(await auditDescriptions(region.database.db)).toContain(
      'Created static route 10.60.0.0/24 -> 10.61.0.0/24 via 10.60.0.254.',
    );
  });

  it.each([
    [
      {},
      {
        source: ['This field is required.'],
        destination: ['This field is required.'],
        gateway_ip: ['This field is required.'],
      },
    ],
    [
      { source: '424242', destination: '10.61.0.0/24', gateway_ip: '10.60.0.1' },
      { source: ['Select a valid choice. That choice is not one of the available choices.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '10.61.0.0/24', gateway_ip: 'gw' },
      { gateway_ip: ['Enter a valid IPv4 or IPv6 address.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '10.61.0.0/24', gateway_ip: '10.61.0.1' },
      { gateway_ip: ['Enter an IP address in 10.60.0.0/24.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '10.61.0.0/24', gateway_ip: '10.60.0.1', metric: '-1' },
      { metric: ['Ensure this value is greater than or equal to 0.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '10.61.0.0/24', gateway_ip: '10.60.0.1', metric: 'high' },
      { metric: ['Enter a whole number.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '10.60.0.0/24', gateway_ip: '10.60.0.1' },
      { __all__: ['source and destination cannot be the same subnet.'] },
    ],
    [
      { source: '10.60.0.0/24', destination: '2001:db8:60::/64', gateway_ip: '10.60.0.1' },
      { __all__: ['source and destination must be the same IP version.'] },
    ],
  ])('refuses %j with MAAS’s errors', async (form, errors) => {
    const response = await post(form);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toEqual(errors);
  });

  it('refuses a second route with the same source, destination and gateway, also when two race', async () => {
    const form = { source: String(b.id), destination: String(a.id), gateway_ip: '10.61.0.1', metric: '5' };
    const responses = await Promise.all([post(form), post(form)]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const again = await post(form);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({
      __all__: ['Static route with this Source, Destination and Gateway IP already exists.'],
    });
  });

  it('is created, changed and deleted by admins only', async () => {
    const route = await create({
      source: String(a.id),
      destination: String(b.id),
      gateway_ip: '10.60.0.253',
    });
    expect(
      (
        await post(
          { source: String(a.id), destination: String(b.id), gateway_ip: '10.60.0.252' },
          region.userKey,
        )
      ).statusCode,
    ).toBe(403);
    for (const method of ['PUT', 'DELETE']) {
      const response = await region.request(method, route.resource_uri, {
        key: region.userKey,
        form: { metric: '1' },
      });
      expect(response.statusCode, method).toBe(403);
    }
  });

  it('updates the fields sent, checking the gateway against the source', async () => {
    const route = await create({
      source: String(a.id),
      destination: String(b.id),
      gateway_ip: '10.60.0.200',
    });
    const updated = await region.request('PUT', route.resource_uri, {
      ...admin(),
      form: { metric: '100', gateway_ip: '10.60.0.201' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ metric: 100, gateway_ip: '10.60.0.201', source: { id: a.id } });
    const wrong = await region.request('PUT', route.resource_uri, {
      ...admin(),
      form: { source: String(b.id) },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({ gateway_ip: ['Enter an IP address in 10.61.0.0/24.'] });
  });

  it('keeps a dynamic range off a route’s gateway', async () => {
    await create({ source: String(a.id), destination: String(b.id), gateway_ip: '10.60.0.150' });
    const range = await region.request('POST', `${api}/ipranges/`, {
      ...admin(),
      form: { type: 'dynamic', start_ip: '10.60.0.140', end_ip: '10.60.0.160' },
    });
    expect(range.statusCode).toBe(400);
  });

  it("deletes a route, then answers MAAS's 404", async () => {
    const route = await create({
      source: String(a.id),
      destination: String(b.id),
      gateway_ip: '10.60.0.100',
    });
    expect((await region.request('DELETE', route.resource_uri, admin())).statusCode).toBe(204);
    const gone = await region.request('GET', route.resource_uri, admin());
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toBe('No StaticRoute matches the given query.');
    expect(await auditDescriptions(region.database.db)).toContain(
      'Deleted static route 10.60.0.0/24 -> 10.61.0.0/24 via 10.60.0.100.',
    );
  });

  it('goes with its subnet', async () => {
    const source = await subnet('10.62.0.0/24');
    const route = await create({
      source: String(source.id),
      destination: String(b.id),
      gateway_ip: '10.62.0.1',
    });
    expect((await region.request('DELETE', `${api}/subnets/${source.id}/`, admin())).statusCode).toBe(204);
    expect((await region.request('GET', route.resource_uri, admin())).statusCode).toBe(404);
  });
});
