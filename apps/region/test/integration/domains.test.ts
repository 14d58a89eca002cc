import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const domains = '/MAAS/api/2.0/domains/';

interface Domain {
  id: number;
  name: string;
  ttl: number | null;
  authoritative: boolean;
  is_default: boolean;
  resource_record_count: number;
  resource_uri: string;
}

async function create(form: Record<string, string | string[]>): Promise<Domain> {
  const response = await region.request('POST', domains, { key: region.adminKey, form });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Domain>();
}

async function list(): Promise<Domain[]> {
  return (await region.request('GET', domains, { key: region.userKey })).json<Domain[]>();
}

async function makeDefault(id: number) {
  return region.request('POST', `${domains}${id}/?op=set_default`, { key: region.adminKey });
}

describe('domains/', () => {
  it('has the default domain maas from the first start', async () => {
    const all = await list();
    expect(all[0]).toMatchObject({
      name: 'maas',
      is_default: true,
      authoritative: true,
      ttl: null,
      resource_record_count: 0,
      resource_uri: `${domains}${all[0]?.id}/`,
    });
    expect(all.filter((d) => d.is_default)).toHaveLength(1);
  });

  it('creates a domain, authoritative and not default unless told otherwise', async () => {
    const domain = await create({ name: 'lab.example.com' });
    expect(domain).toMatchObject({
      name: 'lab.example.com',
      authoritative: true,
      is_default: false,
      ttl: null,
      resource_record_count: 0,
    });
    expect(domain.resource_uri).toBe(`${domains}${domain.id}/`);
  });

  it('creates a non-authoritative domain with a TTL', async () => {
    expect(await create({ name: 'forward.example', authoritative: 'false', ttl: '3600' })).toMatchObject({
      authoritative: false,
      ttl: 3600,
    });
  });

  it('lowercases the name and drops a trailing dot', async () => {
    expect((await create({ name: 'Mixed.Case.Example.' })).name).toBe('mixed.case.example');
  });

  it.each(['-bad.example', 'under_score.example', 'a..b', 'space here', `${'x'.repeat(64)}.example`])(
    'rejects the name %j naming the field',
    async (name) => {
      const response = await region.request('POST', domains, { key: region.adminKey, form: { name } });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<object>())).toEqual(['name']);
    },
  );

  it('names a missing name', async () => {
    const response = await region.request('POST', domains, { key: region.adminKey, form: { ttl: '30' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['This field is required.'] });
  });

  it('rejects a duplicate name, ignoring case', async () => {
    await create({ name: 'dup.example' });
    const response = await region.request('POST', domains, {
      key: region.adminKey,
      form: { name: 'DUP.example' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['Domain with this Name already exists.'] });
  });

  it.each([
    ['0', /between 1 and 604800/],
    ['604801', /between 1 and 604800/],
    ['-1', /between 1 and 604800/],
    ['1h', /not a whole number/],
    ['1.5', /not a whole number/],
  ])('rejects the ttl %s naming the field', async (ttl, message) => {
    const response = await region.request('POST', domains, {
      key: region.adminKey,
      form: { name: `ttl-${ttl.replace(/\W/g, 'x')}.example`, ttl },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ ttl: string[] }>().ttl[0]).toMatch(message);
  });

  it('rejects forward DNS servers that are not IP addresses', async () => {
    const response = await region.request('POST', domains, {
      key: region.adminKey,
      form: { name: 'fwd.example', authoritative: 'false', forward_dns_servers: 'dns.google 8.8.8.8' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ forward_dns_servers: string[] }>().forward_dns_servers[0]).toMatch(/dns\.google/);
  });

  it.each(['999.999.999.999', 'face', 'beef', '1.2.3', '1::2::3', '8.8.8.8.8'])(
    'rejects the forward DNS server %j, naming it',
    async (server) => {
      const response = await region.request('POST', domains, {
        key: region.adminKey,
        form: { name: 'fwd-bad.example', authoritative: 'false', forward_dns_servers: server },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ forward_dns_servers: [`Not IP addresses: ${server}.`] });
    },
  );

  it('accepts IPv4 and IPv6 forward DNS servers', async () => {
    const response = await region.request('POST', domains, {
      key: region.adminKey,
      form: {
        name: 'fwd-ok.example',
        authoritative: 'false',
        forward_dns_servers: '192.0.2.53 2001:db8::53',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<{ forward_dns_servers: string[] }>().forward_dns_servers).toEqual([
      '192.0.2.53',
      '2001:db8::53',
    ]);
  });

  it('rejects an authoritative that is not a boolean', async () => {
    const response = await region.request('POST', domains, {
      key: region.adminKey,
      form: { name: 'bool.example', authoritative: 'perhaps' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toHaveProperty('authoritative');
  });
});

describe('domains/{id}/', () => {
  it('reads a domain by id, and by name', async () => {
    const domain = await create({ name: 'readable.example' });
    expect((await region.request('GET', `${domains}${domain.id}/`, { key: region.userKey })).json()).toEqual(
      domain,
    );
    expect(
      (await region.request('GET', `${domains}readable.example/`, { key: region.userKey })).json(),
    ).toEqual(domain);
  });

  it('answers 404 for an unknown domain', async () => {
    for (const key of ['999999', 'nowhere.example', '99999999999999']) {
      const response = await region.request('GET', `${domains}${key}/`, { key: region.userKey });
      expect(response.statusCode, key).toBe(404);
      expect(response.body).toBe('No Domain matches the given query.');
    }
  });

  it('updates name, ttl and authoritative; an empty ttl clears it', async () => {
    const domain = await create({ name: 'changing.example', ttl: '60' });
    const updated = await region.request('PUT', `${domains}${domain.id}/`, {
      key: region.adminKey,
      form: { name: 'changed.example', ttl: '120', authoritative: 'false' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      id: domain.id,
      name: 'changed.example',
      ttl: 120,
      authoritative: false,
    });
    const cleared = await region.request('PUT', `${domains}${domain.id}/`, {
      key: region.adminKey,
      form: { ttl: '' },
    });
    expect(cleared.json()).toMatchObject({ name: 'changed.example', ttl: null });
  });

  it('refuses an update to an invalid name or ttl, changing nothing', async () => {
    const domain = await create({ name: 'steady.example', ttl: '60' });
    expect(
      (
        await region.request('PUT', `${domains}${domain.id}/`, {
          key: region.adminKey,
          form: { name: 'bad_name' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await region.request('PUT', `${domains}${domain.id}/`, { key: region.adminKey, form: { ttl: '0' } }))
        .statusCode,
    ).toBe(400);
    expect(
      (await region.request('GET', `${domains}${domain.id}/`, { key: region.userKey })).json(),
    ).toMatchObject({ name: 'steady.example', ttl: 60 });
  });

  it('deletes a domain that is not the default', async () => {
    const domain = await create({ name: 'doomed.example' });
    const response = await region.request('DELETE', `${domains}${domain.id}/`, { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', `${domains}${domain.id}/`, { key: region.userKey })).statusCode).toBe(
      404,
    );
  });

  it('refuses to delete the default domain', async () => {
    const current = (await list()).find((d) => d.is_default);
    const response = await region.request('DELETE', `${domains}${current?.id}/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(`Domain '${current?.name}' is the default domain, it cannot be deleted.`);
  });
});

describe('domains/{id}/?op=set_default', () => {
  it('makes a domain the default and the previous default an ordinary one', async () => {
    const maas = (await list()).find((d) => d.name === 'maas');
    const next = await create({ name: 'next-default.example' });
    const response = await makeDefault(next.id);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: next.id, is_default: true });
    const all = await list();
    expect(all.filter((d) => d.is_default).map((d) => d.name)).toEqual(['next-default.example']);
    expect(
      (await region.request('DELETE', `${domains}${maas?.id}/`, { key: region.adminKey })).statusCode,
    ).toBe(204);
    await create({ name: 'maas' });
  });

  it('is idempotent on the current default', async () => {
    const current = (await list()).find((d) => d.is_default);
    expect((await makeDefault(current?.id ?? 0)).statusCode).toBe(200);
    expect((await list()).filter((d) => d.is_default).map((d) => d.id)).toEqual([current?.id]);
  });

  it('leaves exactly one default when two domains are made default at the same time', async () => {
    const a = await create({ name: 'race-a.example' });
    const b = await create({ name: 'race-b.example' });
    for (let round = 0; round < 5; round++) {
      const responses = await Promise.all([
        makeDefault(a.id),
        makeDefault(b.id),
        makeDefault(a.id),
        makeDefault(b.id),
      ]);
      for (const response of responses) expect(response.statusCode, response.body).toBe(200);
      const defaults = (await list()).filter((d) => d.is_default);
      expect(defaults).toHaveLength(1);
      expect([a.id, b.id]).toContain(defaults[0]?.id);
    }
  });

  it('never deletes the domain that has just become the default', async () => {
    for (let round = 0; round < 5; round++) {
      const candidate = await create({ name: `contested-${round}.example` });
      const [made, deleted] = await Promise.all([
        makeDefault(candidate.id),
        region.request('DELETE', `${domains}${candidate.id}/`, { key: region.adminKey }),
      ]);
      expect(
        [made.statusCode, deleted.statusCode].every((s) => s < 500),
        `${made.body} ${deleted.body}`,
      ).toBe(true);
      expect((await list()).filter((d) => d.is_default)).toHaveLength(1);
    }
  });

  it('answers 404 for an unknown domain', async () => {
    expect((await makeDefault(999999)).statusCode).toBe(404);
  });
});

describe('domains/?op=set_serial', () => {
  it('sets the next SOA serial', async () => {
    const response = await region.request('POST', `${domains}?op=set_serial`, {
      key: region.adminKey,
      form: { serial: '2026120101' },
    });
    expect(response.statusCode).toBe(204);
    const state = await region.database.db
      .selectFrom('region_state')
      .select('value')
      .where('key', '=', 'dns_serial')
      .executeTakeFirst();
    expect(state?.value).toBe('2026120101');
  });

  it.each([
    ['', /required/],
    ['0', /between 1 and 4294967295/],
    ['4294967296', /between 1 and 4294967295/],
    ['soon', /not a whole number/],
  ])('rejects the serial %j naming the field', async (serial, message) => {
    const response = await region.request('POST', `${domains}?op=set_serial`, {
      key: region.adminKey,
      form: { serial },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ serial: string[] }>().serial[0]).toMatch(message);
  });
});
