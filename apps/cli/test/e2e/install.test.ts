import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let prefix: string;
let version: string;

beforeAll(async () => {
  prefix = await mkdtemp(join(tmpdir(), 'ferrum-global-'));
  version = (JSON.parse(await readFile(join(root, 'apps/cli/package.json'), 'utf8')) as { version: string })
    .version;
});
afterAll(async () => {
  await rm(prefix, { recursive: true, force: true });
});

describe('the ferrum command', () => {
  it('runs as `npx ferrum` from the repository root', () => {
    const result = spawnSync('npx', ['--no-install', 'ferrum', 'version'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(version);
  });

  it('runs as `ferrum` once installed globally', () => {
    const install = spawnSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', root],
      { encoding: 'utf8' },
    );
    expect(install.status, install.stderr).toBe(0);
    const result = spawnSync(join(prefix, 'bin', 'ferrum'), ['--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: ferrum <command>/);
  });
});
