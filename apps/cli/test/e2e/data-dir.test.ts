import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferrum, freePort, postgresPids } from './cli-process.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferrum-dirs-'));
  // When run as root, the embedded PostgreSQL (user postgres) must be able to pass through.
  await chmod(base, 0o755);
});
afterAll(async () => {
  for (const pid of postgresPids(base)) process.kill(pid, 'SIGKILL');
  await rm(base, { recursive: true, force: true });
});

async function envFor(dataDir: string): Promise<NodeJS.ProcessEnv> {
  return {
    FERRUM_DATA_DIR: dataDir,
    FERRUM_HTTP_PORT: String(await freePort()),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    DATABASE_URL: '',
  };
}

describe('FERRUM_DATA_DIR', () => {
  it('may contain spaces', async () => {
    const env = await envFor(join(base, 'my data'));
    const result = ferrum(
      ['createadmin', '--username', 'a', '--email', 'a@example.com', '--password', 'p'],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is refused, naming the setting, when it holds characters a shell would expand', async () => {
    const evil = join(base, '$(touch pwned)');
    const result = ferrum(
      ['createadmin', '--username', 'a', '--email', 'a@example.com', '--password', 'p'],
      await envFor(evil),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FERRUM_DATA_DIR: must not contain/);
  });

  it('works when its path is too long for a socket, and refuses a planted socket symlink', async () => {
    const long = join(base, 'x'.repeat(60), 'y'.repeat(60));
    await mkdir(long, { recursive: true });
    const env = await envFor(long);
    expect(
      ferrum(['createadmin', '--username', 'b', '--email', 'b@example.com', '--password', 'p'], env).code,
    ).toBe(0);

    const other = join(base, 'z'.repeat(60), 'w'.repeat(60));
    await mkdir(other, { recursive: true });
    // The predictable socket dir of `other`, planted as a symlink by someone else beforehand.
    const socketDir = join(
      tmpdir(),
      `ferrum-pg-${createHash('sha256').update(join(other, 'postgres')).digest('hex').slice(0, 12)}`,
    );
    await rm(socketDir, { recursive: true, force: true });
    await symlink(base, socketDir);
    try {
      const planted = ferrum(
        ['createadmin', '--username', 'c', '--email', 'c@example.com', '--password', 'p'],
        await envFor(other),
      );
      expect(planted.code).toBe(1);
      expect(planted.stderr).toMatch(/Refusing socket directory/);
    } finally {
      await rm(socketDir, { force: true });
    }
    expect(postgresPids(other)).toEqual([]);
  });
});
