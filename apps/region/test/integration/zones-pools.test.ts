import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';

interface Named {
  id: number;
  name: string;
  description: string;
  resource_uri: string;
}

// Zones and resource pools behave alike; they differ in URLs (a zone by name, a pool by id or
// name), in their labels and in the default's description.
const kinds = [
  {
    kind: 'zone',
    list: `${api}/zones/`,
    one: (key: string | number) => `${api}/zones/${key}/`,
    uri: (o: Named) => `${api}/zones/${o.name}/`,
    label: 'Zone',
    noun: 'zone',
    defaultDescription: '',
  },
  {
    kind: 'resource pool',
    list: `${api}/resourcepools/`,
    one: (key: string | number) => `${api}/resourcepool/${key}/`,
    uri: (o: Named) => `${api}/resourcepool/${o.id}/`,
    label: 'ResourcePool',
    noun: 'resource pool',
    defaultDescription: 'Default pool',
  },
] as const;

describe.each(kinds)('$kind API', ({ kind, list, one, uri, label, noun, defaultDescription }) => {
  const prefix = kind === 'zone' ? 'z' : 'p';

  async function create(name: string, description?: string): Promise<Named> {
    const response = await region.request('POST', list, {
      key: region.adminKey,
      form: { name, ...(description !== undefined ? { description } : {}) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Named>();
  }

  it('has a default from the first start', async () => {
    const response = await region.request('GET', list, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    const first = response.json<Named[]>()[0];
    expect(first).toEqual({
      id: first?.id,
      name: 'default',
      description: defaultDescription,
      resource_uri: first ? uri(first) : '',
    });
  });

  it('creates one with name and description, rendered with its resource_uri', async () => {
    const created = await create(`${prefix}-rack-a`, 'Rack A, row 3');
    expect(created).toEqual({
      id: created.id,
      name: `${prefix}-rack-a`,
      description: 'Rack A, row 3',
      resource_uri: uri(created),
    });
    const listed = (await region.request('GET', list, { key: region.userKey })).json<Named[]>();
    expect(listed).toContainEqual(created);
  });

  it('follows its own resource_uri back to itself', async () => {
    const created = await create(`${prefix}-followed`);
    const response = await region.request('GET', created.resource_uri, { key: region.userKey });
    expect(response.json()).toEqual(created);
  });

  it("accepts names with spaces and non-ASCII letters, as MAAS's name rule does", async () => {
    const created = await create(`${prefix} Zürich west`);
    const response = await region.request('GET', one(encodeURIComponent(created.name)), {
      key: region.userKey,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: `${prefix} Zürich west` });
  });

  it('strips surrounding whitespace from a name', async () => {
    expect((await create(`  ${prefix}-padded  `)).name).toBe(`${prefix}-padded`);
  });

  it.each(['-leading-hyphen', 'has/slash', 'dot.ted', ''])(
    'rejects the name %j naming the field',
    async (name) => {
      const response = await region.request('POST', list, { key: region.adminKey, form: { name } });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<object>())).toEqual(['name']);
    },
  );

  it('rejects a duplicate name with 400 naming the field', async () => {
    await create(`${prefix}-dup`);
    const response = await region.request('POST', list, {
      key: region.adminKey,
      form: { name: `${prefix}-dup` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: [`${label} with this Name already exists.`] });
  });

  it('updates the description and keeps the name', async () => {
    const created = await create(`${prefix}-described`, 'old');
    const response = await region.request('PUT', one(kind === 'zone' ? created.name : created.id), {
      key: region.adminKey,
      form: { description: 'new' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: created.id,
      name: `${prefix}-described`,
      description: 'new',
    });
  });

  it('renames one, which is then found under its new name only', async () => {
    const created = await create(`${prefix}-before`);
    const response = await region.request('PUT', one(`${prefix}-before`), {
      key: region.adminKey,
      form: { name: `${prefix}-after` },
    });
    expect(response.statusCode).toBe(200);
    const renamed = response.json<Named>();
    expect(renamed).toMatchObject({ id: created.id, name: `${prefix}-after`, resource_uri: uri(renamed) });
    expect((await region.request('GET', one(`${prefix}-after`), { key: region.userKey })).statusCode).toBe(
      200,
    );
    expect((await region.request('GET', one(`${prefix}-before`), { key: region.userKey })).statusCode).toBe(
      404,
    );
  });

  it('refuses a rename onto an existing name', async () => {
    await create(`${prefix}-taken`);
    await create(`${prefix}-mover`);
    const response = await region.request('PUT', one(`${prefix}-mover`), {
      key: region.adminKey,
      form: { name: `${prefix}-taken` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: [`${label} with this Name already exists.`] });
  });

  it('refuses to rename or delete the default', async () => {
    const renamed = await region.request('PUT', one('default'), {
      key: region.adminKey,
      form: { name: 'not-default' },
    });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json()).toEqual({ name: [`The default ${noun} cannot be renamed.`] });
    const deleted = await region.request('DELETE', one('default'), { key: region.adminKey });
    expect(deleted.statusCode).toBe(400);
    expect(deleted.body).toBe(`This ${noun} is the default ${noun}, it cannot be deleted.`);
    expect((await region.request('GET', one('default'), { key: region.userKey })).statusCode).toBe(200);
  });

  it('lets the default keep its name in an update', async () => {
    const response = await region.request('PUT', one('default'), {
      key: region.adminKey,
      form: { name: 'default', description: defaultDescription },
    });
    expect(response.statusCode).toBe(200);
  });

  it('deletes one with 204, after which it is gone', async () => {
    await create(`${prefix}-doomed`);
    const response = await region.request('DELETE', one(`${prefix}-doomed`), { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', one(`${prefix}-doomed`), { key: region.userKey })).statusCode).toBe(
      404,
    );
    expect(
      (await region.request('DELETE', one(`${prefix}-doomed`), { key: region.adminKey })).statusCode,
    ).toBe(404);
  });

  it("answers 404 with MAAS's message for an unknown one", async () => {
    const response = await region.request('GET', one('atlantis'), { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe(`No ${label} matches the given query.`);
  });

  it('creates exactly one of 20 concurrent creates of one name; the others get 400, none 500', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        region.request('POST', list, { key: region.adminKey, form: { name: `${prefix}-race` } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    const named = (await region.request('GET', list, { key: region.userKey }))
      .json<Named[]>()
      .filter((o) => o.name === `${prefix}-race`);
    expect(named).toHaveLength(1);
  });

  it('survives concurrent renames and deletes of one object without a 500', async () => {
    await create(`${prefix}-contested`);
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        region.request('PUT', one(`${prefix}-contested`), {
          key: region.adminKey,
          form: { description: `d${i}` },
        }),
      ),
      region.request('DELETE', one(`${prefix}-contested`), { key: region.adminKey }),
    ]);
    for (const response of responses) expect(response.statusCode, response.body).toBeLessThan(500);
    expect(
      (await region.request('GET', one(`${prefix}-contested`), { key: region.userKey })).statusCode,
    ).toBe(404);
  });
});

describe('resourcepool/{id}/', () => {
  it('finds a pool by numeric id and by name', async () => {
    const created = (
      await region.request('POST', `${api}/resourcepools/`, {
        key: region.adminKey,
        form: { name: 'by-either' },
      })
    ).json<Named>();
    const byId = await region.request('GET', `${api}/resourcepool/${created.id}/`, { key: region.userKey });
    const byName = await region.request('GET', `${api}/resourcepool/by-either/`, { key: region.userKey });
    expect(byId.json()).toEqual(created);
    expect(byName.json()).toEqual(created);
  });

  it('reads an all-digit key as an id, so a pool named "1" cannot hijack the default pool\'s resource_uri', async () => {
    const pools = (await region.request('GET', `${api}/resourcepools/`, { key: region.userKey })).json<
      Named[]
    >();
    const defaultPool = pools.find((p) => p.name === 'default');
    const numbered = (
      await region.request('POST', `${api}/resourcepools/`, {
        key: region.adminKey,
        form: { name: String(defaultPool?.id) },
      })
    ).json<Named>();
    expect(
      (await region.request('GET', defaultPool?.resource_uri ?? '', { key: region.userKey })).json(),
    ).toEqual(defaultPool);
    expect((await region.request('GET', numbered.resource_uri, { key: region.userKey })).json()).toEqual(
      numbered,
    );
  });

  it('still finds a pool named with digits by name when no pool has that id', async () => {
    const numbered = (
      await region.request('POST', `${api}/resourcepools/`, { key: region.adminKey, form: { name: '4242' } })
    ).json<Named>();
    expect(
      (await region.request('GET', `${api}/resourcepool/4242/`, { key: region.userKey })).json(),
    ).toEqual(numbered);
  });
});

describe('zones/{name}/', () => {
  it('reads an all-digit key as a name first, since zones are addressed by name', async () => {
    const zones = (await region.request('GET', `${api}/zones/`, { key: region.userKey })).json<Named[]>();
    const defaultZone = zones.find((z) => z.name === 'default');
    const numbered = (
      await region.request('POST', `${api}/zones/`, {
        key: region.adminKey,
        form: { name: String(defaultZone?.id) },
      })
    ).json<Named>();
    expect((await region.request('GET', numbered.resource_uri, { key: region.userKey })).json()).toEqual(
      numbered,
    );
    expect(
      (await region.request('GET', defaultZone?.resource_uri ?? '', { key: region.userKey })).json(),
    ).toEqual(defaultZone);
  });
});
