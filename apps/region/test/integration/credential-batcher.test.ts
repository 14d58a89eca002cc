import { describe, expect, it } from 'vitest';
import { CredentialBatcher } from '../../src/services/credential-batcher.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const whoami = '/MAAS/api/2.0/users/?op=whoami';

describe(CredentialBatcher, () => {
  it('fails only the request whose data PostgreSQL rejects, not the rest of its batch', async () => {
    const batcher = new CredentialBatcher(region.database.db);
    const [consumerKey = '', tokenKey = '', secret = ''] = region.adminKey.split(':');
    const now = Math.floor(Date.now() / 1000);
    const checks = Array.from({ length: 30 }, (_, i) =>
      // A NUL byte in a text parameter makes PostgreSQL reject the whole statement (22021).
      batcher.check({
        consumerKey,
        tokenKey,
        secret,
        timestamp: now,
        nonce: i === 7 ? 'bad\u0000nonce' : `batch-${i}`,
      }),
    );
    const outcomes = await Promise.allSettled(checks);
    expect(outcomes[7]?.status).toBe('rejected');
    const others = outcomes.filter((_, i) => i !== 7);
    expect(
      others.every((o) => o.status === 'fulfilled' && o.value.fresh && o.value.user?.username === 'admin'),
    ).toBe(true);
  });
});

describe('signed requests with hostile OAuth parameters', () => {
  it('are refused with 401 without disturbing concurrent genuine requests', async () => {
    const genuine = Array.from({ length: 39 }, () => region.request('GET', whoami, { key: region.adminKey }));
    const hostile = region.request('GET', whoami, {
      headers: {
        authorization: `OAuth oauth_consumer_key="x", oauth_token="y", oauth_signature_method="PLAINTEXT", oauth_signature="%26z", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="%00"`,
      },
    });
    const results = await Promise.all([hostile, ...genuine]);
    expect(results.map((r) => r.statusCode)).toEqual([401, ...Array<number>(39).fill(200)]);
  });

  it('refuses keys with characters no Ferrum key has', async () => {
    const response = await region.request('GET', whoami, { key: 'ck\u0000:tk:ts' });
    expect(response.statusCode).toBe(401);
  });
});
