import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
beforeAll(async () => {
  region = await startTestRegion();
});
afterAll(async () => {
  await region.close();
});

describe('/metrics', () => {
  it('reports HTTP latency by route pattern and status, the DB pool and the process', async () => {
    await region.request('GET', '/MAAS/api/2.0/zones/', { key: region.adminKey });
    await region.request('GET', '/MAAS/api/2.0/zones/default/', { key: region.adminKey });
    await region.request('GET', '/MAAS/api/2.0/zones/nope/', { key: region.adminKey });
    const response = await region.request('GET', '/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/",status="200"\} 1/);
    // Path parameters stay in the pattern, so label cardinality is bounded.
    expect(text).toMatch(/ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/:name\/",status="200"\} 1/);
    expect(text).toMatch(/ferrum_http_request_duration_seconds_count\{method="GET",route="\/MAAS\/api\/2.0\/zones\/:name\/",status="404"\} 1/);
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
      database: { reachable: true, schemaVersion: '0001-initial' },
      url: 'http://localhost/MAAS/',
    });
  });
});

describe('request ids', () => {
  it('answers with a request id, keeping a sane one the client sent', async () => {
    const generated = await region.request('GET', '/MAAS/api/2.0/version/');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await region.request('GET', '/MAAS/api/2.0/version/', { headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const hostile = await region.request('GET', '/MAAS/api/2.0/version/', { headers: { 'x-request-id': 'bad id\r\nX: y' } });
    expect(hostile.headers['x-request-id']).not.toContain('bad');
  });
});
