import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, type TestDatabase } from '../../../region/test/support/test-database.js';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import { latestSchemaVersion } from '../../../region/src/db/migrator.js';
import { ferrum, freePort, startServer } from './cli-process.js';

let database: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createEmptyDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'ferrum-ext-'));
  env = {
    DATABASE_URL: database.url,
    FERRUM_DATA_DIR: dataDir,
    FERRUM_HTTP_PORT: String(await freePort()),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
  };
});

afterAll(async () => {
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('ferrum with DATABASE_URL', () => {
  it('migrates an empty external database and runs no embedded PostgreSQL', async () => {
    const migrated = ferrum(['migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`schema is at ${latestSchemaVersion} `);
    expect(ferrum(['migrate'], env).code).toBe(0);
    expect(
      ferrum(['createadmin', '--username', 'ops', '--email', 'ops@example.com', '--password', 'x'], env).code,
    ).toBe(0);
    const key = ferrum(['apikey', '--username', 'ops'], env).stdout.trim();
    // The racks' shared secret: made once, the same at every ask.
    const secret = ferrum(['rack', 'secret'], env);
    expect(secret.code).toBe(0);
    expect(secret.stdout.trim()).toMatch(/^[0-9a-f]{48}$/);
    expect(ferrum(['rack', 'secret'], env).stdout.trim()).toBe(secret.stdout.trim());
    const unknown = ferrum(['rack', 'dance'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Unknown rack command 'dance'/);
    const server = await startServer(env);
    try {
      const response = await fetch(`${server.url}api/2.0/users/?op=whoami`, {
        headers: { authorization: oauthHeader(key) },
      });
      expect(response.status).toBe(200);
      const zones = await fetch(`${server.url}api/2.0/zones/`, {
        headers: { authorization: oauthHeader(key) },
      });
      expect(await zones.json()).toEqual([
        { id: 1, name: 'default', description: '', resource_uri: '/MAAS/api/2.0/zones/default/' },
      ]);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    expect(await readdir(dataDir)).not.toContain('postgres');
  });

  it('names a malformed DATABASE_URL', () => {
    const result = ferrum(['status'], { ...env, DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL: expected a postgresql:\/\/ URL/);
  });
});
