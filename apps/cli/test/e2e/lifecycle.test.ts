import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import { latestSchemaVersion } from '../../../region/src/db/migrator.js';
import { ferrum, ferrumBin, freePort, postgresPids, startServer } from './cli-process.js';

// The whole operator story, with real processes: `ferrum start` with its embedded
// PostgreSQL, the admin commands against it, signals, restarts and a crash.

let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ferrum-cli-'));
  env = {
    FERRUM_DATA_DIR: dataDir,
    FERRUM_HTTP_PORT: String(await freePort()),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    DATABASE_URL: '',
  };
});

afterAll(async () => {
  for (const pid of postgresPids(dataDir)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function whoami(url: string, key: string, nonce?: string): Promise<Response> {
  return fetch(`${url}api/2.0/users/?op=whoami`, {
    headers: { authorization: oauthHeader(key, nonce ? { nonce } : {}) },
  });
}

describe('ferrum CLI', () => {
  let apiKey = '';

  it('creates an admin and an API key before the server ever ran, leaving no PostgreSQL behind', () => {
    const created = ferrum(
      ['createadmin', '--username', 'admin', '--email', 'admin@example.com', '--password', 'pw-1'],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created administrator 'admin'/);
    const key = ferrum(['apikey', '--username', 'admin'], env);
    expect(key.code).toBe(0);
    apiKey = key.stdout.trim();
    expect(apiKey).toMatch(/^[A-Za-z0-9]{18}:[A-Za-z0-9]{18}:[A-Za-z0-9]{32}$/);
    expect(postgresPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'ferrum.pid'))).toBe(false);
  });

  it('serves whoami for that key, 401 for a wrong key and for a replayed nonce', async () => {
    const server = await startServer(env);
    try {
      const ok = await whoami(server.url, apiKey, 'nonce-1');
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ username: 'admin', is_superuser: true });
      const [ck, tk] = apiKey.split(':');
      expect((await whoami(server.url, `${ck}:${tk}:wrongwrongwrongwrongwrongwrong12`)).status).toBe(401);
      expect((await whoami(server.url, apiKey, 'nonce-1')).status).toBe(401);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('runs the admin commands against a running server and reports its status', async () => {
    const server = await startServer(env);
    try {
      const created = ferrum(
        [
          'createadmin',
          '--username',
          'second',
          '--email',
          'second@example.com',
          '--password-file',
          '/dev/null',
        ],
        env,
      );
      // An empty password file is refused, naming the field.
      expect(created.code).toBe(1);
      expect(created.stderr).toMatch(/password/);
      const withEnv = ferrum(['createadmin', '--username', 'second', '--email', 'second@example.com'], {
        ...env,
        FERRUM_ADMIN_PASSWORD: 'pw-2',
      });
      expect(withEnv.code).toBe(0);
      const key = ferrum(['apikey', '--username', 'second', '--name', 'laptop'], env).stdout.trim();
      expect((await whoami(server.url, key)).status).toBe(200);
      const listed = ferrum(['apikey', '--username', 'second', '--list'], env);
      expect(listed.stdout.trim().split('\n')).toContain(key);

      const status = ferrum(['status'], env);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/database:\s+reachable/);
      expect(status.stdout).toMatch(new RegExp(`schema:\\s+${latestSchemaVersion}\\n`));
      expect(status.stdout).toContain(server.url);
      const json = JSON.parse(ferrum(['status', '--json'], env).stdout) as {
        status: string;
        uptimeSeconds: number;
      };
      expect(json.status).toBe('ok');
      // Started moments ago: a few seconds of uptime, not the epoch or a negative clock.
      expect(json.uptimeSeconds).toBeGreaterThanOrEqual(0);
      expect(json.uptimeSeconds).toBeLessThan(120);
      expect(status.stdout).toMatch(/uptime:\s+\d+s/);

      const second = ferrum(['start'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/already running on data dir/);
    } finally {
      server.child.kill('SIGINT');
      expect(await server.exited).toBe(0);
    }
    expect(postgresPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'ferrum.pid'))).toBe(false);
    const down = ferrum(['status'], env);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/region:\s+down/);
  });

  it('recovers after a crash: the next start adopts the PostgreSQL left running and stops it cleanly', async () => {
    const crashed = await startServer(env);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(postgresPids(dataDir).length).toBeGreaterThan(0);
    const server = await startServer(env);
    try {
      expect((await whoami(server.url, apiKey)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    expect(postgresPids(dataDir)).toEqual([]);
  });

  it('explains a port already in use, and leaves nothing running behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) =>
      blocker.listen(Number(env['FERRUM_HTTP_PORT']), '127.0.0.1', resolve),
    );
    try {
      const result = ferrum(['start'], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Port \d+ on 127\.0\.0\.1 is already in use/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(postgresPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'ferrum.pid'))).toBe(false);
  });

  it('writes human-readable logs when asked for pretty output', async () => {
    const server = await startServer({ ...env, FERRUM_LOG_FORMAT: 'pretty' });
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(server.output()).toMatch(/INFO.*region ready/);
    expect(server.output()).not.toMatch(/^\{"level"/m);
  });

  it('stops cleanly when signalled in the middle of start-up', async () => {
    const child = spawn(process.execPath, [ferrumBin, 'start'], {
      env: { ...process.env, FERRUM_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      // PostgreSQL is up; migrations and the HTTP listener are still to come.
      if (!signalled && text.includes('embedded PostgreSQL started')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
    });
    expect(code, text).toBe(0);
    expect(text).not.toMatch(/region is ready/);
    expect(postgresPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'ferrum.pid'))).toBe(false);
  });

  it('reports every configuration problem at once', () => {
    const result = ferrum(['start'], { ...env, FERRUM_HTTP_PORT: 'eighty', FERRUM_LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FERRUM_HTTP_PORT/);
    expect(result.stderr).toMatch(/FERRUM_LOG_LEVEL/);
  });

  it('refuses an unknown command with usage', () => {
    const result = ferrum(['frobnicate'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
