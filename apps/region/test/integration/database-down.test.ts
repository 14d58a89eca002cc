import { testSecrets } from '../support/test-secrets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '@ferrum/kit';
import { buildApp } from '../../src/app.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { createServices } from '../../src/services/services.js';
import { oauthHeader } from '../support/oauth.js';

// A region whose PostgreSQL is gone: clients are told to retry (503 + Retry-After), not 500.
let database: DatabaseHandle;
let app: FastifyInstance;

beforeAll(async () => {
  database = openDatabase('postgresql://postgres@/ferrum?host=/nonexistent-socket-dir', 2);
  const services = createServices({ db: database.db, secrets: testSecrets() });
  app = await buildApp({
    services,
    pool: database.pool,
    logger: createLogger({ level: 'silent', pretty: false }),
    version: 't',
    startedAt: Date.now(),
    url: () => 'http://x/MAAS/',
  });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

describe('a region without its database', () => {
  it('answers API calls with 503 and Retry-After', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/MAAS/api/2.0/users/?op=whoami',
      headers: { authorization: oauthHeader('a:b:c') },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(response.body).toMatch(/database is unavailable/);
  });

  it('answers password authentication with 503 too', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/MAAS/accounts/authenticate/',
      payload: 'username=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(503);
  });

  it('still serves version/ and reports itself degraded', async () => {
    expect((await app.inject({ method: 'GET', url: '/MAAS/api/2.0/version/' })).statusCode).toBe(200);
    const health = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', database: { reachable: false } });
  });
});
