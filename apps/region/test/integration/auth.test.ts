import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { oauthQuery } from '../support/oauth.js';

const region = useTestRegion();

const whoami = '/MAAS/api/2.0/users/?op=whoami';

describe('OAuth 1.0a PLAINTEXT authentication', () => {
  it('returns the user for a good key', async () => {
    const response = await region.request('GET', whoami, { key: region.adminKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      username: 'admin',
      email: 'admin@example.com',
      is_local: true,
      is_superuser: true,
      resource_uri: '/MAAS/api/2.0/users/admin/',
    });
  });

  it('rejects a wrong token secret with 401', async () => {
    const response = await region.request('GET', whoami, { key: region.adminKey, secret: 'not-the-secret' });
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('Authorization Error: Invalid API key.');
  });

  it('rejects an unknown token key with 401', async () => {
    const [ck, , ts] = region.adminKey.split(':');
    const response = await region.request('GET', whoami, { key: `${ck}:AAAAAAAAAAAAAAAAAA:${ts}` });
    expect(response.statusCode).toBe(401);
  });

  it('rejects a consumer key that does not belong to the token', async () => {
    const [, tk, ts] = region.adminKey.split(':');
    const response = await region.request('GET', whoami, { key: `BBBBBBBBBBBBBBBBBB:${tk}:${ts}` });
    expect(response.statusCode).toBe(401);
  });

  it('rejects a replayed nonce with 401', async () => {
    const first = await region.request('GET', whoami, { key: region.adminKey, nonce: 'replay-me' });
    expect(first.statusCode).toBe(200);
    const second = await region.request('GET', whoami, { key: region.adminKey, nonce: 'replay-me' });
    expect(second.statusCode).toBe(401);
    expect(second.body).toMatch(/nonce already used/);
  });

  it('accepts the same nonce from a different token', async () => {
    const a = await region.request('GET', whoami, { key: region.adminKey, nonce: 'shared-nonce' });
    const b = await region.request('GET', whoami, { key: region.userKey, nonce: 'shared-nonce' });
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
  });

  it('rejects a stale timestamp with 401 and accepts one inside the 300 s window', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await region.request('GET', whoami, { key: region.adminKey, timestamp: now - 301 });
    expect(stale.statusCode).toBe(401);
    expect(stale.body).toMatch(/timestamp/);
    const future = await region.request('GET', whoami, { key: region.adminKey, timestamp: now + 400 });
    expect(future.statusCode).toBe(401);
    const recent = await region.request('GET', whoami, { key: region.adminKey, timestamp: now - 200 });
    expect(recent.statusCode).toBe(200);
  });

  it('follows the server clock, not the client clock', async () => {
    region.clockOffset = 1000;
    try {
      const response = await region.request('GET', whoami, { key: region.adminKey });
      expect(response.statusCode).toBe(401);
      const skewed = await region.request('GET', whoami, {
        key: region.adminKey,
        timestamp: Math.floor(Date.now() / 1000) + 1000,
      });
      expect(skewed.statusCode).toBe(200);
    } finally {
      region.clockOffset = 0;
    }
  });

  it('rejects a non-integer timestamp with 400 naming the field', async () => {
    const header = `OAuth oauth_consumer_key="a", oauth_token="b", oauth_signature_method="PLAINTEXT", oauth_signature="%26c", oauth_timestamp="soon", oauth_nonce="n"`;
    const response = await region.request('GET', whoami, { headers: { authorization: header } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toHaveProperty('oauth_timestamp');
  });

  it('rejects a header missing OAuth parameters, naming them', async () => {
    const response = await region.request('GET', whoami, {
      headers: { authorization: 'OAuth oauth_consumer_key="a"' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatch(/oauth_token/);
    expect(response.body).toMatch(/oauth_nonce/);
  });

  it('rejects signature methods other than PLAINTEXT', async () => {
    const [ck, tk, ts] = region.adminKey.split(':');
    const header = `OAuth oauth_consumer_key="${ck}", oauth_token="${tk}", oauth_signature_method="HMAC-SHA1", oauth_signature="%26${ts}", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="hmac"`;
    const response = await region.request('GET', whoami, { headers: { authorization: header } });
    expect(response.statusCode).toBe(401);
    expect(response.body).toMatch(/PLAINTEXT/);
  });

  it('accepts OAuth parameters in the query string', async () => {
    const query = oauthQuery(region.adminKey);
    const response = await region.request('GET', `${whoami}&${query.toString()}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ username: 'admin' });
  });

  it('accepts OAuth parameters in a urlencoded POST body', async () => {
    const form = Object.fromEntries(oauthQuery(region.adminKey));
    const response = await region.request('POST', '/MAAS/api/2.0/account/?op=create_authorisation_token', {
      form: { ...form, name: 'from-body' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'from-body' });
  });

  it('answers 401 to unsigned requests for protected resources', async () => {
    const response = await region.request('GET', '/MAAS/api/2.0/zones/');
    expect(response.statusCode).toBe(401);
  });

  it('stops accepting a key once it is deleted', async () => {
    const created = await region.request('POST', '/MAAS/api/2.0/account/?op=create_authorisation_token', {
      key: region.userKey,
      form: { name: 'short-lived' },
    });
    const token = created.json<{ consumer_key: string; token_key: string; token_secret: string }>();
    const key = `${token.consumer_key}:${token.token_key}:${token.token_secret}`;
    expect((await region.request('GET', whoami, { key })).statusCode).toBe(200);
    const deleted = await region.request('POST', '/MAAS/api/2.0/account/?op=delete_authorisation_token', {
      key,
      form: { token_key: token.token_key },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await region.request('GET', whoami, { key })).statusCode).toBe(401);
  });

  it('rejects concurrent replays of one nonce: exactly one succeeds', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => region.request('GET', whoami, { key: region.userKey, nonce: 'race' })),
    );
    const codes = attempts.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 401)).toHaveLength(19);
  });

  it('lets forged requests sharing a nonce not burn it for the key owner', async () => {
    const forged = Array.from({ length: 10 }, () =>
      region.request('GET', whoami, { key: region.userKey, nonce: 'contested', secret: 'forged-secret' }),
    );
    const genuine = region.request('GET', whoami, { key: region.userKey, nonce: 'contested' });
    // The genuine request is queued last, behind the forgeries.
    const results = await Promise.all([...forged, genuine]);
    expect(results.map((r) => r.statusCode)).toEqual([...Array<number>(10).fill(401), 200]);
  });

  it('keeps each request of a concurrent burst separate: every key gets its own user', async () => {
    const burst = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        region.request('GET', whoami, { key: i % 2 === 0 ? region.adminKey : region.userKey }),
      ),
    );
    burst.forEach((response, i) => {
      expect(response.statusCode).toBe(200);
      expect(response.json<{ username: string }>().username).toBe(i % 2 === 0 ? 'admin' : 'alice');
    });
  });

  it('purges nonces only once they are outside the window', async () => {
    await region.request('GET', whoami, { key: region.adminKey, nonce: 'keep-me' });
    await region.services.tokens.purgeNonces();
    const replay = await region.request('GET', whoami, { key: region.adminKey, nonce: 'keep-me' });
    expect(replay.statusCode).toBe(401);
  });
});

describe('POST /MAAS/accounts/authenticate/', () => {
  it('exchanges a username and password for a working API key', async () => {
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice', password: 'alice-pass', consumer: 'laptop' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      consumer_key: string;
      token_key: string;
      token_secret: string;
      name: string;
    }>();
    expect(body.name).toBe('laptop');
    const key = `${body.consumer_key}:${body.token_key}:${body.token_secret}`;
    const me = await region.request('GET', whoami, { key });
    expect(me.json()).toMatchObject({ username: 'alice' });
  });

  it('refuses a wrong password', async () => {
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice', password: 'nope' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('names a missing field', async () => {
    const response = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'alice' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ password: ['This field is required.'] });
  });
});
