import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
let keyDir: string;
let adminKeyId: number;

const api = '/MAAS/api/2.0';

/** A fresh ed25519 public key line from ssh-keygen. */
function newPublicKey(comment: string): string {
  const path = join(keyDir, comment);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

beforeAll(async () => {
  region = await startTestRegion();
  keyDir = mkdtempSync(join(tmpdir(), 'ferrum-perm-keys-'));
  const added = await region.request('POST', `${api}/account/prefs/sshkeys/`, {
    key: region.adminKey,
    form: { key: newPublicKey('admin@laptop') },
  });
  expect(added.statusCode).toBe(201);
  adminKeyId = added.json<{ id: number }>().id;
  await region.request('POST', `${api}/tags/`, { key: region.adminKey, form: { name: 'existing-tag' } });
});
afterAll(async () => {
  await region.close();
  rmSync(keyDir, { recursive: true, force: true });
});

interface Case {
  readonly handler: string;
  readonly action: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly form?: Record<string, string>;
}

/** Every action of every handler, as alice (a normal user) is expected to meet it. */
const aliceMeets: readonly (Case & { readonly status: number })[] = [
  {
    handler: 'MaasHandler',
    action: 'get_config',
    method: 'GET',
    url: `${api}/maas/?op=get_config&name=maas_name`,
    status: 200,
  },
  {
    handler: 'MaasHandler',
    action: 'set_config',
    method: 'POST',
    url: `${api}/maas/?op=set_config`,
    form: { name: 'maas_name', value: 'alice-was-here' },
    status: 403,
  },
  { handler: 'UsersHandler', action: 'read', method: 'GET', url: `${api}/users/`, status: 200 },
  {
    handler: 'UsersHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/users/`,
    form: { username: 'mallory', email: 'm@example.com', password: 'pw' },
    status: 403,
  },
  { handler: 'UsersHandler', action: 'whoami', method: 'GET', url: `${api}/users/?op=whoami`, status: 200 },
  { handler: 'UserHandler', action: 'read', method: 'GET', url: `${api}/users/admin/`, status: 200 },
  { handler: 'UserHandler', action: 'delete', method: 'DELETE', url: `${api}/users/admin/`, status: 403 },
  {
    handler: 'AccountHandler',
    action: 'create_authorisation_token',
    method: 'POST',
    url: `${api}/account/?op=create_authorisation_token`,
    form: { name: 'alice-2' },
    status: 200,
  },
  {
    handler: 'AccountHandler',
    action: 'list_authorisation_tokens',
    method: 'GET',
    url: `${api}/account/?op=list_authorisation_tokens`,
    status: 200,
  },
  // Someone else's (or no) token: past the permission check, then not found among alice's own.
  {
    handler: 'AccountHandler',
    action: 'update_token_name',
    method: 'POST',
    url: `${api}/account/?op=update_token_name`,
    form: { token: 'ABCDEFGHIJKLMNOPQR', name: 'x' },
    status: 404,
  },
  {
    handler: 'AccountHandler',
    action: 'delete_authorisation_token',
    method: 'POST',
    url: `${api}/account/?op=delete_authorisation_token`,
    form: { token_key: 'ABCDEFGHIJKLMNOPQR' },
    status: 404,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/account/prefs/sshkeys/`,
    status: 200,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/account/prefs/sshkeys/`,
    form: { key: 'not a key' },
    status: 400,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'import',
    method: 'POST',
    url: `${api}/account/prefs/sshkeys/?op=import`,
    form: { keysource: 'gh:alice' },
    status: 400,
  },
  {
    handler: 'SSHKeyHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/account/prefs/sshkeys/{admin-key}/`,
    status: 403,
  },
  {
    handler: 'SSHKeyHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/account/prefs/sshkeys/{admin-key}/`,
    status: 403,
  },
  { handler: 'ZonesHandler', action: 'read', method: 'GET', url: `${api}/zones/`, status: 200 },
  {
    handler: 'ZonesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/zones/`,
    form: { name: 'alice-zone' },
    status: 403,
  },
  { handler: 'ZoneHandler', action: 'read', method: 'GET', url: `${api}/zones/default/`, status: 200 },
  {
    handler: 'ZoneHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/zones/default/`,
    form: { description: 'alice-was-here' },
    status: 403,
  },
  { handler: 'ZoneHandler', action: 'delete', method: 'DELETE', url: `${api}/zones/default/`, status: 403 },
  {
    handler: 'ResourcePoolsHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/resourcepools/`,
    status: 200,
  },
  {
    handler: 'ResourcePoolsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/resourcepools/`,
    form: { name: 'alice-pool' },
    status: 403,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/resourcepool/default/`,
    status: 200,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/resourcepool/default/`,
    form: { description: 'alice-was-here' },
    status: 403,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/resourcepool/default/`,
    status: 403,
  },
  { handler: 'TagsHandler', action: 'read', method: 'GET', url: `${api}/tags/`, status: 200 },
  {
    handler: 'TagsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/tags/`,
    form: { name: 'alice-tag' },
    status: 403,
  },
  { handler: 'TagHandler', action: 'read', method: 'GET', url: `${api}/tags/existing-tag/`, status: 200 },
  {
    handler: 'TagHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/tags/existing-tag/`,
    form: { comment: 'alice-was-here' },
    status: 403,
  },
  {
    handler: 'TagHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/tags/existing-tag/`,
    status: 403,
  },
  { handler: 'DomainsHandler', action: 'read', method: 'GET', url: `${api}/domains/`, status: 200 },
  {
    handler: 'DomainsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/domains/`,
    form: { name: 'alice.example' },
    status: 403,
  },
  {
    handler: 'DomainsHandler',
    action: 'set_serial',
    method: 'POST',
    url: `${api}/domains/?op=set_serial`,
    form: { serial: '42' },
    status: 403,
  },
  { handler: 'DomainHandler', action: 'read', method: 'GET', url: `${api}/domains/1/`, status: 200 },
  {
    handler: 'DomainHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/domains/1/`,
    form: { ttl: '60' },
    status: 403,
  },
  { handler: 'DomainHandler', action: 'delete', method: 'DELETE', url: `${api}/domains/1/`, status: 403 },
  {
    handler: 'DomainHandler',
    action: 'set_default',
    method: 'POST',
    url: `${api}/domains/1/?op=set_default`,
    status: 403,
  },
  { handler: 'EventsHandler', action: 'query', method: 'GET', url: `${api}/events/?op=query`, status: 200 },
  { handler: 'VersionHandler', action: 'read', method: 'GET', url: `${api}/version/`, status: 200 },
];

function resolve(url: string): string {
  return url.replace('{admin-key}', String(adminKeyId));
}

interface DescribedHandler {
  name: string;
  path: string;
  actions: { name: string; method: string; op: string | null }[];
}

describe('who may do what', () => {
  it('classifies every action describe/ lists, so that a new one cannot go unchecked', async () => {
    const description = (await region.request('GET', `${api}/describe/`)).json<{
      resources: { name: string; anon: DescribedHandler | null; auth: DescribedHandler | null }[];
    }>();
    // A resource open to everyone (VersionHandler) is described by its anon face alone, as in MAAS.
    const described = description.resources
      .flatMap((r) => ((r.auth ?? r.anon)?.actions ?? []).map((a) => `${r.name}.${a.name}`))
      .sort();
    expect(aliceMeets.map((c) => `${c.handler}.${c.action}`).sort()).toEqual(described);
  });

  it.each(aliceMeets.map((c) => [`${c.handler}.${c.action}`, c] as const))(
    'gives alice, a normal user, the expected status for %s',
    async (_name, c) => {
      const response = await region.request(c.method, resolve(c.url), {
        key: region.userKey,
        ...(c.form ? { form: c.form } : {}),
      });
      expect(response.statusCode, response.body).toBe(c.status);
      if (c.status === 403) expect(response.body).not.toBe('');
    },
  );

  it('leaves everything alice was refused as it was', async () => {
    const get = async (url: string) =>
      (await region.request('GET', url, { key: region.adminKey })).json<Record<string, unknown>>();
    expect(
      await region
        .request('GET', `${api}/maas/?op=get_config&name=maas_name`, { key: region.adminKey })
        .then((r) => r.json<unknown>()),
    ).toBe('ferrum');
    expect((await region.request('GET', `${api}/users/mallory/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
    expect((await get(`${api}/users/admin/`))['username']).toBe('admin');
    expect((await get(`${api}/zones/default/`))['description']).toBe('');
    expect(
      (await region.request('GET', `${api}/zones/alice-zone/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
    expect((await get(`${api}/resourcepool/default/`))['description']).toBe('Default pool');
    expect((await get(`${api}/tags/existing-tag/`))['comment']).toBe('');
    expect(await get(`${api}/domains/1/`)).toMatchObject({ name: 'maas', is_default: true, ttl: null });
    expect((await get(`${api}/account/prefs/sshkeys/${adminKeyId}/`))['id']).toBe(adminKeyId);
  });

  it('shows alice only her own SSH keys and tokens', async () => {
    const keys = await region.request('GET', `${api}/account/prefs/sshkeys/`, { key: region.userKey });
    expect(keys.json<{ id: number }[]>().map((k) => k.id)).not.toContain(adminKeyId);
    const tokens = await region.request('GET', `${api}/account/?op=list_authorisation_tokens`, {
      key: region.userKey,
    });
    const listed = tokens.json<{ token: string }[]>().map((t) => t.token);
    expect(listed).toContain(region.userKey);
    expect(listed).not.toContain(region.adminKey);
  });

  it("does not let alice rename or delete the admin's token", async () => {
    const adminTokenKey = region.adminKey.split(':')[1] ?? '';
    const renamed = await region.request('POST', `${api}/account/?op=update_token_name`, {
      key: region.userKey,
      form: { token: region.adminKey, name: 'hijacked' },
    });
    expect(renamed.statusCode).toBe(404);
    const deleted = await region.request('POST', `${api}/account/?op=delete_authorisation_token`, {
      key: region.userKey,
      form: { token_key: adminTokenKey },
    });
    expect(deleted.statusCode).toBe(404);
    const adminTokens = await region.request('GET', `${api}/account/?op=list_authorisation_tokens`, {
      key: region.adminKey,
    });
    expect(adminTokens.json()).toContainEqual({ name: 'test', token: region.adminKey });
  });

  it('lets an administrator do the admin-only work alice is refused', async () => {
    const steps: [string, string, Record<string, string>?][] = [
      ['POST', `${api}/maas/?op=set_config`, { name: 'maas_name', value: 'ferrum' }],
      ['POST', `${api}/zones/`, { name: 'admin-zone' }],
      ['PUT', `${api}/zones/admin-zone/`, { description: 'by admin' }],
      ['DELETE', `${api}/zones/admin-zone/`],
      ['POST', `${api}/resourcepools/`, { name: 'admin-pool' }],
      ['DELETE', `${api}/resourcepool/admin-pool/`],
      ['POST', `${api}/tags/`, { name: 'admin-tag' }],
      ['DELETE', `${api}/tags/admin-tag/`],
      ['POST', `${api}/domains/?op=set_serial`, { serial: '7' }],
      ['POST', `${api}/domains/1/?op=set_default`],
      ['POST', `${api}/users/`, { username: 'temp-user', email: 'temp@example.com', password: 'pw' }],
      ['DELETE', `${api}/users/temp-user/`],
    ];
    for (const [method, url, form] of steps) {
      const response = await region.request(method, url, { key: region.adminKey, ...(form ? { form } : {}) });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    }
  });

  it('answers anonymous callers 401 everywhere except version/ and describe/', async () => {
    const description = (await region.request('GET', `${api}/describe/`)).json<{
      resources: { name: string; anon: DescribedHandler | null; auth: DescribedHandler | null }[];
    }>();
    const fill = (path: string) =>
      path.replace('{name}', 'default').replace('{id}', '1').replace('{username}', 'admin');
    let checked = 0;
    for (const resource of description.resources) {
      // A resource open to everyone (VersionHandler) has only an anon face, as in MAAS.
      const face = resource.auth ?? resource.anon;
      for (const action of face?.actions ?? []) {
        const url = `${fill(face?.path ?? '')}${action.op ? `?op=${action.op}` : ''}`;
        const response = await region.request(action.method, url);
        const open =
          resource.anon?.actions.some((a) => a.method === action.method && a.op === action.op) ?? false;
        if (open) expect(response.statusCode, `${action.method} ${url}`).toBe(200);
        else expect(response.statusCode, `${action.method} ${url}: ${response.body}`).toBe(401);
        checked++;
      }
    }
    expect(checked).toBe(aliceMeets.length);
    expect((await region.request('GET', `${api}/describe/`)).statusCode).toBe(200);
    expect((await region.request('GET', `${api}/zones/?op=no-such-op`)).statusCode).toBe(401);
  });
});
