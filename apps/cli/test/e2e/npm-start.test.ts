import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, postgresPids } from './cli-process.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ferrum-npm-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  for (const pid of postgresPids(dataDir)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start (the README command)', () => {
  it('stops cleanly on Ctrl-C, which reaches npm, its shell, the bootstrap and Ferrum at once', async () => {
    const env = {
      ...process.env,
      FERRUM_DATA_DIR: dataDir,
      FERRUM_HTTP_PORT: String(await freePort()),
      FERRUM_BIND_ADDRESS: '127.0.0.1',
      FERRUM_LOG_FORMAT: 'json',
      DATABASE_URL: '',
    };
    // Its own process group, as a terminal's foreground job is.
    const child = spawn('npm', ['start'], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`not ready:\n${text}`));
      }, 120_000);
      const onData = (chunk: Buffer): void => {
        text += chunk.toString();
        if (text.includes('region is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(signal ?? String(code));
      });
    });
    await ready;
    process.kill(-(child.pid ?? 0), 'SIGINT');
    // npm re-raises the SIGINT it got once its script is done, as shells expect of Ctrl-C.
    expect(['0', 'SIGINT']).toContain(await exited);
    expect(text).not.toMatch(/second signal/);
    expect(text).toMatch(/"msg":"stopped"/);
    expect(postgresPids(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'ferrum.pid'))).toBe(false);
  }, 180_000);
});
