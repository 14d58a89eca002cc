import { testSecrets } from '../support/test-secrets.js';
import { describe, expect, inject, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { latestSchemaVersion } from '../../src/db/migrator.js';
import { readHealth } from '../../src/http/health.js';
import { createServices } from '../../src/services/services.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

describe('/metrics', () => {
  it('reports HTTP latency by route pattern and status, the DB pool and the process', async () => {
    await region.request('GET', '/MAAS/api/2.0/zones/', { key: region.adminKey });
    await region.request('GET', '/MAAS/api/2.0/zones/default/', { key: region.adminKey });
    await region.request('GET', '/MAAS/api/2.0/zones/nope/', { key: region.adminKey });
    const response = await region.request('GET', '/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(
      /ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/",status="200"\} 1/,
    );
    // Path parameters stay in the pattern, so label cardinality is bounded.
    expect(text).toMatch(
      /ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/:name\/",status="200"\} 1/,
    );
    expect(text).toMatch(
      /ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/:name\/",status="404"\} 1/,
    );
    expect(text).toMatch(/^ferrum_db_pool_connections \d+/m);
    expect(text).toMatch(/^ferrum_db_pool_idle \d+/m);
    expect(text).toMatch(/^ferrum_db_pool_waiting \d+/m);
    expect(text).toMatch(/^ferrum_process_resident_memory_bytes \d+/m);
  });
});

describe('/api/v1/health', () => {
  it('reports the database, the schema version, uptime and URL', async () => {
    const response = await region.request('GET', '/api/v1/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      version: '0.0.0-test',
      database: { reachable: true, schemaVersion: latestSchemaVersion },
      url: 'http://localhost/MAAS/',
    });
    expect(response.json<{ database: object }>().database).not.toHaveProperty('error');
  });

  it("names what is wrong with the database by category and logs the database's own message", async () => {
    // PostgreSQL's message names the database (and, for other failures, hosts and users):
    // nothing an anonymous caller of the health endpoint should read.
    const missing = openDatabase(
      inject('pgAdminUrl').replace(/\/postgres\?/, '/ferrum_no_such_database?'),
      1,
    );
    try {
      const services = createServices({ db: missing.db, secrets: testSecrets() });
      const warnings: { details: { err?: unknown }; message: string }[] = [];
      const health = await readHealth(
        services,
        { version: 't', startedAt: Date.now(), url: () => 'http://x/MAAS/' },
        { warn: (details, message) => warnings.push({ details, message }) },
      );
      expect(health).toMatchObject({
        status: 'degraded',
        database: { reachable: false, schemaVersion: null, error: 'unreachable' },
      });
      expect(JSON.stringify(health)).not.toContain('ferrum_no_such_database');
      expect(warnings).toHaveLength(1);
      expect((warnings[0]?.details.err as Error).message).toContain('ferrum_no_such_database');

      const app = await buildApp({
        services,
        pool: missing.pool,
        logger: createLogger({ level: 'silent', pretty: false }),
        version: 't',
        startedAt: Date.now(),
        url: () => 'http://x/MAAS/',
      });
      try {
        const response = await app.inject({ method: 'GET', url: '/api/v1/health' });
        expect(response.statusCode).toBe(503);
        expect(response.body).not.toContain('ferrum_no_such_database');
        expect(response.json()).toMatchObject({ database: { reachable: false, error: 'unreachable' } });
      } finally {
        await app.close();
      }
    } finally {
      await missing.close();
    }
  });
});

describe('request ids', () => {
  it('answers with a request id, keeping a sane one the client sent', async () => {
    const generated = await region.request('GET', '/MAAS/api/2.0/version/');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await region.request('GET', '/MAAS/api/2.0/version/', {
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const hostile = await region.request('GET', '/MAAS/api/2.0/version/', {
      headers: { 'x-request-id': 'bad id\r\nX: y' },
    });
    // Replaced by a generated id (checking for the text 'bad' would fail on a UUID like …-bad4-…).
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
