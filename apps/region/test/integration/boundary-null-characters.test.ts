// NUL characters at the HTTP boundary: PostgreSQL cannot store U+0000 and fails the whole
// statement, so every field is refused with Django's 400 before anything reaches the database.
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';
const refused = (field: string) => ({ [field]: ['Null characters are not allowed.'] });

describe('NUL characters in MAAS API requests', () => {
  it('refuses them in path parameters, naming the parameter', async () => {
    for (const [url, param] of [
      [`${api}/zones/%00/`, 'name'],
      [`${api}/zones/a%00b/`, 'name'],
      [`${api}/users/%00/`, 'username'],
      [`${api}/tags/%00/`, 'name'],
      [`${api}/resourcepool/%00/`, 'id'],
      [`${api}/domains/%00/`, 'id'],
      [`${api}/account/prefs/sshkeys/%00/`, 'id'],
    ] as const) {
      const response = await region.request('GET', url, { key: region.adminKey });
      expect([response.statusCode, response.json()], url).toEqual([400, refused(param)]);
    }
  });

  it('refuses them in PUT and DELETE on an item too', async () => {
    const put = await region.request('PUT', `${api}/zones/%00/`, {
      key: region.adminKey,
      form: { description: 'x' },
    });
    expect([put.statusCode, put.json()]).toEqual([400, refused('name')]);
    const del = await region.request('DELETE', `${api}/tags/x%00/`, { key: region.adminKey });
    expect([del.statusCode, del.json()]).toEqual([400, refused('name')]);
  });

  it('refuses them in the query string', async () => {
    const response = await region.request('GET', `${api}/events/?op=query&hostname=%00`, {
      key: region.adminKey,
    });
    expect([response.statusCode, response.json()]).toEqual([400, refused('hostname')]);
    const config = await region.request('GET', `${api}/maas/?op=get_config&name=maas%00name`, {
      key: region.adminKey,
    });
    expect([config.statusCode, config.json()]).toEqual([400, refused('name')]);
  });

  it('refuses them in a urlencoded body and creates nothing', async () => {
    const response = await region.request('POST', `${api}/tags/`, {
      key: region.adminKey,
      form: { name: 'nul-tag', comment: 'before\0after' },
    });
    expect([response.statusCode, response.json()]).toEqual([400, refused('comment')]);
    expect((await region.request('GET', `${api}/tags/nul-tag/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
    const zone = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'nul\0zone' },
    });
    expect([zone.statusCode, zone.json()]).toEqual([400, refused('name')]);
  });

  it('refuses them in a field name', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'nul-key-zone', 'desc\0ription': 'x' },
    });
    expect([response.statusCode, response.json()]).toEqual([400, refused('desc\0ription')]);
  });

  it('refuses them in multipart fields, plain and base64-encoded as the maas CLI sends them', async () => {
    const boundary = 'nulBoundary';
    const plain = `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nnul-mp\0zone\r\n--${boundary}--\r\n`;
    const base64 =
      `--${boundary}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: form-data; name="description"\r\n` +
      `Content-Type: text/plain; charset="utf-8"\r\n\r\n${Buffer.from('a\0b').toString('base64')}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nnul-mp-zone\r\n--${boundary}--\r\n`;
    for (const [body, field] of [
      [plain, 'name'],
      [base64, 'description'],
    ] as const) {
      const response = await region.request('POST', `${api}/zones/`, {
        key: region.adminKey,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect([response.statusCode, response.json()]).toEqual([400, refused(field)]);
    }
    expect(
      (await region.request('GET', `${api}/zones/nul-mp-zone/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });

  it('refuses them in JSON bodies, nested values included', async () => {
    for (const [body, field] of [
      [{ name: 'nul-json-tag', comment: 'a\u0000b' }, 'comment'],
      [{ name: 'nul-json-tag', comment: ['ok', 'a\u0000b'] }, 'comment'],
      [{ name: 'nul-json-tag', definition: { deep: ['x', { k: '\u0000' }] } }, 'definition'],
      [{ name: 'nul-json-tag', kernel_opts: { 'k\u0000': 'v' } }, 'kernel_opts'],
    ] as const) {
      const response = await region.request('POST', `${api}/tags/`, {
        key: region.adminKey,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([response.statusCode, response.json()], JSON.stringify(body)).toEqual([400, refused(field)]);
    }
    expect(
      (await region.request('GET', `${api}/tags/nul-json-tag/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });

  it('refuses them in OAuth parameters sent in the query string', async () => {
    const response = await region.request(
      'GET',
      `${api}/users/?op=whoami&oauth_consumer_key=%00&oauth_token=%00&oauth_signature_method=PLAINTEXT&oauth_signature=%26x&oauth_timestamp=1&oauth_nonce=1`,
    );
    expect([response.statusCode, response.json()]).toEqual([400, refused('oauth_consumer_key')]);
  });

  it('still takes the same requests without the NUL', async () => {
    const response = await region.request('GET', `${api}/events/?op=query&hostname=nobody`, {
      key: region.adminKey,
    });
    expect(response.statusCode).toBe(200);
    const tag = await region.request('POST', `${api}/tags/`, {
      key: region.adminKey,
      form: { name: 'no-nul-tag', comment: 'before after' },
    });
    expect(tag.statusCode).toBe(200);
  });
});

describe('NUL characters in POST /MAAS/accounts/authenticate/', () => {
  it('refuses them in the username, the password and the consumer, naming the field', async () => {
    for (const [form, field] of [
      [{ username: 'ali\0ce', password: 'alice-pass' }, 'username'],
      [{ username: 'alice', password: 'alice\0pass' }, 'password'],
      [{ username: 'alice', password: 'alice-pass', consumer: 'a\0b' }, 'consumer'],
    ] as const) {
      const response = await region.request('POST', '/MAAS/accounts/authenticate/', { form });
      expect([response.statusCode, response.json()], field).toEqual([400, refused(field)]);
    }
  });

  it('refuses them in a multipart login', async () => {
    const boundary = 'nulLogin';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${part('username', 'admin\0')}${part('password', 'admin-pass')}--${boundary}--\r\n`,
    });
    expect([response.statusCode, response.json()]).toEqual([400, refused('username')]);
  });
});
