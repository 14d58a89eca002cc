import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const account = '/MAAS/api/2.0/account/';
const whoami = '/MAAS/api/2.0/users/?op=whoami';

interface NewToken {
  token_key: string;
  token_secret: string;
  consumer_key: string;
  name: string;
}

async function createToken(key: string, name?: string): Promise<NewToken> {
  const response = await region.request('POST', `${account}?op=create_authorisation_token`, {
    key,
    ...(name !== undefined ? { form: { name } } : {}),
  });
  expect(response.statusCode).toBe(200);
  return response.json<NewToken>();
}

async function listTokens(key: string): Promise<{ name: string; token: string }[]> {
  const response = await region.request('GET', `${account}?op=list_authorisation_tokens`, { key });
  expect(response.statusCode).toBe(200);
  return response.json();
}

const apiKey = (t: NewToken) => `${t.consumer_key}:${t.token_key}:${t.token_secret}`;

describe('account/?op=create_authorisation_token', () => {
  it("returns a new named key of MAAS's shape (18-character keys, 32-character secret) that works", async () => {
    const token = await createToken(region.userKey, 'laptop');
    expect(Object.keys(token).sort()).toEqual(['consumer_key', 'name', 'token_key', 'token_secret']);
    expect(token.name).toBe('laptop');
    expect(token.consumer_key).toMatch(/^[A-Za-z0-9]{18}$/);
    expect(token.token_key).toMatch(/^[A-Za-z0-9]{18}$/);
    expect(token.token_secret).toMatch(/^[A-Za-z0-9]{32}$/);
    const me = await region.request('GET', whoami, { key: apiKey(token) });
    expect(me.json()).toMatchObject({ username: 'alice' });
  });

  it('names a token created without a name as MAAS does', async () => {
    expect((await createToken(region.userKey)).name).toBe('MAAS consumer');
  });
});

describe('account/?op=list_authorisation_tokens', () => {
  it('lists the user\'s tokens as {name, token: "ck:tk:ts"}, oldest first', async () => {
    const token = await createToken(region.userKey, 'listed');
    const tokens = await listTokens(region.userKey);
    expect(tokens[0]).toEqual({ name: 'test', token: region.userKey });
    expect(tokens).toContainEqual({ name: 'listed', token: apiKey(token) });
    for (const t of tokens) expect(t.token).toMatch(/^[A-Za-z0-9]{18}:[A-Za-z0-9]{18}:[A-Za-z0-9]{32}$/);
  });
});

describe('account/?op=update_token_name', () => {
  it('renames a token given as the whole key', async () => {
    const token = await createToken(region.userKey, 'old-name');
    const response = await region.request('POST', `${account}?op=update_token_name`, {
      key: region.userKey,
      form: { token: apiKey(token), name: 'new-name' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.body).toBe('Accepted');
    expect(await listTokens(region.userKey)).toContainEqual({ name: 'new-name', token: apiKey(token) });
  });

  it('renames a token given as its token key only', async () => {
    const token = await createToken(region.userKey, 'by-key');
    const response = await region.request('POST', `${account}?op=update_token_name`, {
      key: region.userKey,
      form: { token: token.token_key, name: 'renamed-by-key' },
    });
    expect(response.statusCode).toBe(202);
    expect(await listTokens(region.userKey)).toContainEqual({ name: 'renamed-by-key', token: apiKey(token) });
  });

  it('names the missing field', async () => {
    const response = await region.request('POST', `${account}?op=update_token_name`, {
      key: region.userKey,
      form: { token: region.userKey },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['This field is required.'] });
  });

  it("answers 404 for a token that is not the user's", async () => {
    const response = await region.request('POST', `${account}?op=update_token_name`, {
      key: region.userKey,
      form: { token: 'nosuchtokenkey1234', name: 'x' },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('account/?op=delete_authorisation_token', () => {
  it('deletes a token, which stops working at once while the others go on', async () => {
    const token = await createToken(region.userKey, 'doomed');
    const response = await region.request('POST', `${account}?op=delete_authorisation_token`, {
      key: region.userKey,
      form: { token_key: token.token_key },
    });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', whoami, { key: apiKey(token) })).statusCode).toBe(401);
    expect((await region.request('GET', whoami, { key: region.userKey })).statusCode).toBe(200);
    expect((await listTokens(region.userKey)).map((t) => t.token)).not.toContain(apiKey(token));
  });

  it('answers 404 for an unknown token key and names a missing one', async () => {
    const unknown = await region.request('POST', `${account}?op=delete_authorisation_token`, {
      key: region.userKey,
      form: { token_key: 'nosuchtokenkey1234' },
    });
    expect(unknown.statusCode).toBe(404);
    const missing = await region.request('POST', `${account}?op=delete_authorisation_token`, {
      key: region.userKey,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ token_key: ['This field is required.'] });
  });
});

describe('POST /MAAS/accounts/authenticate/', () => {
  it("creates a new key named after the consumer, listed with the user's tokens", async () => {
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice', password: 'alice-pass', consumer: 'python-libmaas' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const token = response.json<NewToken>();
    expect(token.name).toBe('python-libmaas');
    expect(await listTokens(region.userKey)).toContainEqual({ name: 'python-libmaas', token: apiKey(token) });
  });

  it('accepts a multipart body as the maas CLI sends it', async () => {
    const boundary = 'ferrumLogin';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${part('username', 'admin')}${part('password', 'admin-pass')}--${boundary}--\r\n`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'MAAS consumer' });
  });

  it('refuses an unknown user exactly as it refuses a wrong password', async () => {
    const unknown = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'nobody', password: 'x' },
    });
    const wrong = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice', password: 'x' },
    });
    expect(unknown.statusCode).toBe(403);
    expect([wrong.statusCode, wrong.body]).toEqual([unknown.statusCode, unknown.body]);
  });

  it('answers other methods with 405 naming POST', async () => {
    const response = await region.request('GET', '/MAAS/accounts/authenticate/');
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('POST');
  });

  it('records the new key in the audit log', async () => {
    await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice', password: 'alice-pass', consumer: 'audited-login' },
    });
    const events = await region.request('GET', '/MAAS/api/2.0/events/?op=query&level=AUDIT&owner=alice', {
      key: region.adminKey,
    });
    expect(events.json<{ events: { description: string }[] }>().events.map((e) => e.description)).toContain(
      "Created API key 'audited-login' by password authentication.",
    );
  });
});

describe('token changes', () => {
  it('are recorded in the audit log under the user who made them', async () => {
    const token = await createToken(region.userKey, 'audit-me');
    await region.request('POST', `${account}?op=update_token_name`, {
      key: region.userKey,
      form: { token: token.token_key, name: 'audited' },
    });
    await region.request('POST', `${account}?op=delete_authorisation_token`, {
      key: region.userKey,
      form: { token_key: token.token_key },
    });
    const events = await region.request(
      'GET',
      '/MAAS/api/2.0/events/?op=query&level=AUDIT&owner=alice&limit=3',
      { key: region.adminKey },
    );
    expect(events.json<{ events: { description: string; username: string }[] }>().events).toEqual([
      expect.objectContaining({ username: 'alice', description: 'Deleted token.' }),
      expect.objectContaining({
        username: 'alice',
        description: "Modified consumer name of token to 'audited'.",
      }),
      expect.objectContaining({ username: 'alice', description: "Created token 'audit-me'." }),
    ]);
  });
});
