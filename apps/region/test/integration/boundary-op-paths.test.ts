// Two routing corners: objects whose name starts with `op-` (which the `…/op-<name>/` path
// form of the collection would otherwise swallow), and HEAD, which Fastify hands to GET routes.
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';

describe('objects named op-<something>', () => {
  it('creates, reads, updates and deletes zone op-east', async () => {
    const created = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'op-east', description: 'one' },
    });
    expect([created.statusCode, created.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'op-east', resource_uri: '/MAAS/api/2.0/zones/op-east/' }),
    ]);
    for (const url of [`${api}/zones/op-east/`, `${api}/zones/op-east`]) {
      const read = await region.request('GET', url, { key: region.userKey });
      expect([read.statusCode, read.json()], url).toEqual([
        200,
        expect.objectContaining({ name: 'op-east', description: 'one' }),
      ]);
    }
    const updated = await region.request('PUT', `${api}/zones/op-east/`, {
      key: region.adminKey,
      form: { description: 'two' },
    });
    expect([updated.statusCode, updated.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'op-east', description: 'two' }),
    ]);
    const deleted = await region.request('DELETE', `${api}/zones/op-east/`, { key: region.adminKey });
    expect(deleted.statusCode).toBe(204);
    const gone = await region.request('GET', `${api}/zones/op-east/`, { key: region.userKey });
    expect(gone.statusCode).toBe(404);
  });

  it('creates, reads, updates and deletes tag op-x', async () => {
    const created = await region.request('POST', `${api}/tags/`, {
      key: region.adminKey,
      form: { name: 'op-x', comment: 'first' },
    });
    expect([created.statusCode, created.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'op-x', comment: 'first' }),
    ]);
    const read = await region.request('GET', `${api}/tags/op-x/`, { key: region.userKey });
    expect([read.statusCode, read.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'op-x', comment: 'first' }),
    ]);
    const renamed = await region.request('PUT', `${api}/tags/op-x/`, {
      key: region.adminKey,
      form: { name: 'op-y', comment: 'second' },
    });
    expect([renamed.statusCode, renamed.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'op-y', comment: 'second' }),
    ]);
    expect((await region.request('GET', `${api}/tags/op-x/`, { key: region.userKey })).statusCode).toBe(404);
    expect((await region.request('DELETE', `${api}/tags/op-y/`, { key: region.adminKey })).statusCode).toBe(
      204,
    );
    expect((await region.request('GET', `${api}/tags/op-y/`, { key: region.userKey })).statusCode).toBe(404);
  });

  it('answers a missing op- object 404, and an unknown method on it as an item would', async () => {
    expect(
      (await region.request('GET', `${api}/zones/op-nowhere/`, { key: region.userKey })).statusCode,
    ).toBe(404);
    const post = await region.request('POST', `${api}/zones/op-nowhere/`, { key: region.adminKey });
    expect([post.statusCode, post.body]).toEqual([400, 'Unrecognised signature: method=POST op=None']);
  });

  it('takes op= from the query on an op- object, as on any item', async () => {
    const response = await region.request('GET', `${api}/zones/op-east/?op=nothing`, { key: region.userKey });
    expect([response.statusCode, response.body]).toEqual([
      400,
      'Unrecognised signature: method=GET op=nothing',
    ]);
  });

  it('still routes op-<op> to the operation when the handler has that op', async () => {
    const created = await region.request('POST', `${api}/users/`, {
      key: region.adminKey,
      form: { username: 'op-bob', email: 'op-bob@example.com', password: 'pw-op-bob', is_superuser: '0' },
    });
    expect(created.statusCode, created.body).toBe(200);
    const whoami = await region.request('GET', `${api}/users/op-whoami/`, { key: region.userKey });
    expect([whoami.statusCode, whoami.json()]).toEqual([200, expect.objectContaining({ username: 'alice' })]);
    const bob = await region.request('GET', `${api}/users/op-bob/`, { key: region.adminKey });
    expect([bob.statusCode, bob.json()]).toEqual([200, expect.objectContaining({ username: 'op-bob' })]);
    // An op of the collection with the wrong method stays an op: the signature is refused.
    const wrongMethod = await region.request('POST', `${api}/users/op-whoami/`, { key: region.userKey });
    expect([wrongMethod.statusCode, wrongMethod.body]).toEqual([
      400,
      'Unrecognised signature: method=POST op=whoami',
    ]);
  });

  it('keeps refusing unknown op- paths of handlers that have no items', async () => {
    const response = await region.request('GET', `${api}/version/op-east/`);
    expect([response.statusCode, response.body]).toEqual([400, 'Unrecognised signature: method=GET op=east']);
  });
});

describe('HEAD requests', () => {
  it('answers HEAD version/ like GET, without a body', async () => {
    const get = await region.request('GET', `${api}/version/`);
    const head = await region.request('HEAD', `${api}/version/`);
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['x-maas-api-hash']).toBe(get.headers['x-maas-api-hash']);
    expect(head.body).toBe('');
  });

  it('authenticates HEAD like GET and runs the read action', async () => {
    expect((await region.request('HEAD', `${api}/zones/default/`, { key: region.userKey })).statusCode).toBe(
      200,
    );
    expect(
      (await region.request('HEAD', `${api}/users/?op=whoami`, { key: region.userKey })).statusCode,
    ).toBe(200);
    expect((await region.request('HEAD', `${api}/zones/`)).statusCode).toBe(401);
    expect(
      (await region.request('HEAD', `${api}/zones/no-such-zone/`, { key: region.userKey })).statusCode,
    ).toBe(404);
  });
});
