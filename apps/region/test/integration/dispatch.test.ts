import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';

interface Action {
  name: string;
  method: string;
  op: string | null;
  restful: boolean;
  doc: string;
}
interface Handler {
  name: string;
  doc: string;
  params: string[];
  path: string;
  uri: string;
  actions: Action[];
}
interface Description {
  doc: string;
  hash: string;
  resources: { name: string; anon: Handler | null; auth: Handler | null }[];
  handlers: Handler[];
}

async function describeApi(): Promise<Description> {
  const response = await region.request('GET', `${api}/describe/`);
  expect(response.statusCode).toBe(200);
  return response.json<Description>();
}

describe('MAAS API dispatch', () => {
  it('maps GET, POST, PUT and DELETE to read, create, update and delete', async () => {
    const created = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'crud-zone', description: 'one' },
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ name: 'crud-zone', description: 'one' });
    const read = await region.request('GET', `${api}/zones/crud-zone/`, { key: region.adminKey });
    expect(read.json()).toMatchObject({ name: 'crud-zone', description: 'one' });
    const updated = await region.request('PUT', `${api}/zones/crud-zone/`, {
      key: region.adminKey,
      form: { description: 'two' },
    });
    expect(updated.json()).toMatchObject({ name: 'crud-zone', description: 'two' });
    const deleted = await region.request('DELETE', `${api}/zones/crud-zone/`, { key: region.adminKey });
    expect(deleted.statusCode).toBe(204);
    expect(
      (await region.request('GET', `${api}/zones/crud-zone/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });

  it('reads op= from the query string', async () => {
    const response = await region.request('GET', `${api}/users/?op=whoami`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ username: 'alice' });
  });

  it('reads op= from a POST body', async () => {
    const response = await region.request('POST', `${api}/account/`, {
      key: region.userKey,
      form: { op: 'create_authorisation_token', name: 'op-in-body' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'op-in-body' });
  });

  it('routes the …/op-<name>/ path form, with and without the trailing slash', async () => {
    for (const url of [`${api}/users/op-whoami/`, `${api}/users/op-whoami`]) {
      const response = await region.request('GET', url, { key: region.userKey });
      expect(response.statusCode, url).toBe(200);
      expect(response.json()).toMatchObject({ username: 'alice' });
    }
  });

  it('routes the op- path form under a handler with a path parameter', async () => {
    const domain = await region.request('POST', `${api}/domains/`, {
      key: region.adminKey,
      form: { name: 'op-path.example' },
    });
    const { id } = domain.json<{ id: number }>();
    const response = await region.request('POST', `${api}/domains/${id}/op-set_default/`, {
      key: region.adminKey,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, is_default: true });
    await region.request('POST', `${api}/domains/1/?op=set_default`, { key: region.adminKey });
    await region.request('DELETE', `${api}/domains/${id}/`, { key: region.adminKey });
  });

  it('treats an empty op= as plain CRUD', async () => {
    const response = await region.request('GET', `${api}/zones/?op=`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ name: string }[]>().map((z) => z.name)).toContain('default');
  });

  it("answers an unknown op with 400 and MAAS's exact message", async () => {
    const response = await region.request('GET', `${api}/zones/?op=foo`, { key: region.userKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('Unrecognised signature: method=GET op=foo');
  });

  it('names the method and None when a verb has no CRUD action', async () => {
    const response = await region.request('PUT', `${api}/users/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('Unrecognised signature: method=PUT op=None');
  });

  it('answers an op sent with the wrong method as an unknown signature', async () => {
    const response = await region.request('POST', `${api}/users/?op=whoami`, { key: region.userKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('Unrecognised signature: method=POST op=whoami');
  });

  it('authenticates before reporting an unknown signature, as MAAS does', async () => {
    const response = await region.request('GET', `${api}/zones/?op=foo`, {
      key: region.userKey,
      secret: 'wrong-secret',
    });
    expect(response.statusCode).toBe(401);
  });

  it('answers 404 for an unknown URL under /MAAS/api/2.0/', async () => {
    const response = await region.request('GET', `${api}/no-such-thing/`, { key: region.adminKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toMatch(/no-such-thing/);
  });

  it('answers 410 for the retired 1.0 API', async () => {
    for (const url of ['/MAAS/api/1.0/', '/MAAS/api/1.0/machines/', '/MAAS/api/1.0/nodes/?op=list']) {
      const response = await region.request('GET', url);
      expect(response.statusCode, url).toBe(410);
      expect(response.body).toMatch(/^The 1\.0 API is no longer available/);
    }
    expect((await region.request('POST', '/MAAS/api/1.0/machines/')).statusCode).toBe(410);
  });

  it('serves /MAAS/api/version/ as the text 2.0', async () => {
    const response = await region.request('GET', '/MAAS/api/version/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('2.0');
  });

  it('accepts URLs with or without the trailing slash', async () => {
    for (const url of [
      `${api}/zones`,
      `${api}/zones/`,
      `${api}/zones/default`,
      `${api}/zones/default/`,
      `${api}/users?op=whoami`,
    ]) {
      const response = await region.request('GET', url, { key: region.userKey });
      expect(response.statusCode, url).toBe(200);
    }
  });

  it("sends X-MAAS-API-Hash, equal to describe's hash, on every /MAAS/ response", async () => {
    const { hash } = await describeApi();
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    const responses = await Promise.all([
      region.request('GET', `${api}/version/`),
      region.request('GET', `${api}/describe/`),
      region.request('GET', `${api}/zones/`, { key: region.userKey }),
      region.request('GET', `${api}/zones/`),
      region.request('GET', `${api}/zones/?op=foo`, { key: region.userKey }),
      region.request('POST', `${api}/zones/`, { key: region.userKey, form: { name: 'x' } }),
      region.request('GET', `${api}/no-such-thing/`),
      region.request('GET', '/MAAS/api/1.0/machines/'),
      region.request('GET', '/MAAS/api/version/'),
      region.request('POST', '/MAAS/accounts/authenticate/', {
        form: { username: 'alice', password: 'wrong' },
      }),
    ]);
    for (const response of responses)
      expect(
        response.headers['x-maas-api-hash'],
        `${response.statusCode} ${response.body.slice(0, 60)}`,
      ).toBe(hash);
  });
});

describe('GET /MAAS/api/2.0/describe/', () => {
  it('is open to anonymous callers and is exactly application/json', async () => {
    const response = await region.request('GET', `${api}/describe/`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
  });

  it("serves keys sorted at every level, as MAAS's canonical JSON", async () => {
    const response = await region.request('GET', `${api}/describe/`);
    const sortedCopy = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sortedCopy)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .map((k) => [k, sortedCopy((value as Record<string, unknown>)[k])]),
            )
          : value;
    expect(response.body).toBe(JSON.stringify(sortedCopy(JSON.parse(response.body))));
    expect(Object.keys(response.json<object>())).toEqual(['doc', 'handlers', 'hash', 'resources']);
  });

  it('lists every resource with its anon and auth faces', async () => {
    const { resources } = await describeApi();
    const names = resources.map((r) => r.name);
    for (const name of [
      'VersionHandler',
      'MaasHandler',
      'UsersHandler',
      'UserHandler',
      'AccountHandler',
      'SSHKeysHandler',
      'SSHKeyHandler',
      'ZonesHandler',
      'ZoneHandler',
      'ResourcePoolsHandler',
      'ResourcePoolHandler',
      'TagsHandler',
      'TagHandler',
      'DomainsHandler',
      'DomainHandler',
      'EventsHandler',
    ]) {
      expect(names).toContain(name);
    }
    for (const resource of resources) {
      expect(Object.keys(resource).sort()).toEqual(['anon', 'auth', 'name']);
      expect(resource.anon ?? resource.auth, resource.name).not.toBeNull();
    }
    const zones = resources.find((r) => r.name === 'ZonesHandler');
    expect(zones?.anon).toBeNull();
    expect(zones?.auth?.name).toBe('ZonesHandler');
    const version = resources.find((r) => r.name === 'VersionHandler');
    expect(version?.anon?.actions.map((a) => a.name)).toEqual(['read']);
  });

  it('gives each handler params that match the placeholders of its path, and an absolute uri', async () => {
    const { handlers } = await describeApi();
    expect(handlers.length).toBeGreaterThan(10);
    for (const handler of handlers) {
      const placeholders = [...handler.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(handler.params, handler.name).toEqual(placeholders);
      expect(handler.path, handler.name).toMatch(/^\/MAAS\/api\/2\.0\/.*\/$/);
      expect(handler.uri, handler.name).toBe(`http://localhost:80${handler.path}`);
    }
    expect(handlers.find((h) => h.name === 'ZoneHandler')?.params).toEqual(['name']);
    expect(handlers.find((h) => h.name === 'SSHKeyHandler')?.path).toBe(
      '/MAAS/api/2.0/account/prefs/sshkeys/{id}/',
    );
  });

  it('describes every action with name, method, op, restful and doc', async () => {
    const { handlers } = await describeApi();
    for (const handler of handlers) {
      for (const action of handler.actions) {
        const where = `${handler.name}.${action.name}`;
        expect(Object.keys(action).sort(), where).toEqual(['doc', 'method', 'name', 'op', 'restful']);
        expect(['GET', 'POST', 'PUT', 'DELETE'], where).toContain(action.method);
        expect(action.doc.length, where).toBeGreaterThan(0);
        if (action.restful) {
          expect(action.op, where).toBeNull();
          expect({ read: 'GET', create: 'POST', update: 'PUT', delete: 'DELETE' }[action.name], where).toBe(
            action.method,
          );
        } else {
          expect(action.op, where).toBe(action.name);
        }
      }
    }
    const domain = handlers.find((h) => h.name === 'DomainHandler');
    expect(domain?.actions.find((a) => a.name === 'set_default')).toMatchObject({
      method: 'POST',
      op: 'set_default',
      restful: false,
    });
    const users = handlers.find((h) => h.name === 'UsersHandler');
    expect(users?.actions.find((a) => a.name === 'whoami')).toMatchObject({
      method: 'GET',
      op: 'whoami',
      restful: false,
    });
  });

  it('documents with :param lines every parameter an action takes, so the maas CLI accepts key=value', async () => {
    const { handlers } = await describeApi();
    const byName = new Map(handlers.map((h) => [h.name, h]));
    // Parameters each action reads besides its path placeholders.
    const takes: Record<string, Record<string, string[]>> = {
      MaasHandler: { get_config: ['name'], set_config: ['name', 'value'] },
      UsersHandler: { create: ['username', 'email', 'password', 'is_superuser'] },
      UserHandler: { delete: ['transfer_resources_to'] },
      AccountHandler: {
        create_authorisation_token: ['name'],
        delete_authorisation_token: ['token_key'],
        update_token_name: ['token', 'name'],
      },
      SSHKeysHandler: { create: ['key', 'user'], import: ['keysource'] },
      ZonesHandler: { create: ['name', 'description'] },
      ZoneHandler: { update: ['name', 'description'] },
      ResourcePoolsHandler: { create: ['name', 'description'] },
      ResourcePoolHandler: { update: ['name', 'description'] },
      TagsHandler: { create: ['name', 'comment', 'definition', 'kernel_opts'] },
      TagHandler: { update: ['name', 'comment', 'definition', 'kernel_opts'] },
      DomainsHandler: {
        create: ['name', 'authoritative', 'ttl', 'forward_dns_servers'],
        set_serial: ['serial'],
      },
      DomainHandler: { update: ['name', 'authoritative', 'ttl', 'forward_dns_servers'] },
      MachinesHandler: {
        create: [
          'architecture',
          'mac_addresses',
          'hostname',
          'description',
          'domain',
          'power_type',
          'commission',
        ],
        allocate: [
          'name',
          'system_id',
          'arch',
          'cpu_count',
          'mem',
          'tags',
          'not_tags',
          'zone',
          'not_in_zone',
          'pool',
          'not_in_pool',
          'storage',
          'agent_name',
          'comment',
          'dry_run',
          'osystem',
          'distro_series',
        ],
        release: ['machines', 'comment'],
        set_zone: ['zone', 'nodes'],
        accept: ['machines'],
        is_registered: ['mac_address'],
      },
      MachineHandler: {
        update: ['hostname', 'cpu_count', 'memory', 'zone', 'pool'],
        deploy: ['osystem', 'distro_series', 'license_key', 'agent_name', 'comment'],
      },
      LicenseKeysHandler: { create: ['osystem', 'distro_series', 'license_key'] },
      LicenseKeyHandler: { update: ['license_key'] },
      RackControllersHandler: { is_registered: ['mac_address'] },
      RackControllerHandler: {
        delete: ['force'],
      },
      EventsHandler: {
        query: [
          'hostname',
          'mac_address',
          'id',
          'zone',
          'agent_name',
          'level',
          'limit',
          'before',
          'after',
          'owner',
        ],
      },
    };
    for (const [handlerName, actions] of Object.entries(takes)) {
      for (const [actionName, params] of Object.entries(actions)) {
        const action = byName.get(handlerName)?.actions.find((a) => a.name === actionName);
        expect(action, `${handlerName}.${actionName}`).toBeDefined();
        for (const param of params)
          expect(action?.doc, `${handlerName}.${actionName} :param ${param}:`).toContain(`:param ${param}:`);
      }
    }
    for (const handler of handlers) {
      for (const action of handler.actions) {
        for (const placeholder of handler.params)
          expect(action.doc, `${handler.name}.${action.name} :param ${placeholder}:`).toContain(
            `:param ${placeholder}:`,
          );
      }
    }
  });
});

describe('GET /MAAS/api/2.0/version/', () => {
  it('answers anonymous callers with exactly capabilities, version and subversion', async () => {
    const response = await region.request('GET', `${api}/version/`);
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['capabilities', 'subversion', 'version']);
    expect(body['capabilities']).toContain('authenticate-api');
    expect(typeof body['version']).toBe('string');
    expect(typeof body['subversion']).toBe('string');
  });
});
