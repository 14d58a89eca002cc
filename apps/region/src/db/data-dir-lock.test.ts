import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrum-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Several real processes race for the lock at the same moment; exactly one may win.
async function race(processes: number): Promise<number> {
  const script = `
    const { lockDataDir } = await import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)});
    const at = Number(process.argv[1]);
    while (Date.now() < at) {}
    const result = await lockDataDir(${JSON.stringify(dir)});
    process.stdout.write(result.acquired ? 'won' : 'lost');
    await new Promise((r) => setTimeout(r, 1500));
  `;
  const at = Date.now() + 2500;
  const runs = Array.from(
    { length: processes },
    () =>
      new Promise<string>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script, String(at)],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', () => {
          resolve(out);
        });
      }),
  );
  const results = await Promise.all(runs);
  return results.filter((r) => r === 'won').length;
}

describe(lockDataDir, () => {
  it('gives the lock to one holder at a time and takes it back on release', async () => {
    const first = await lockDataDir(dir);
    expect(first.acquired).toBe(true);
    const second = await lockDataDir(dir);
    expect(second).toEqual({ acquired: false, pid: process.pid });
    if (first.acquired) await first.lock.release();
    const third = await lockDataDir(dir);
    expect(third.acquired).toBe(true);
    if (third.acquired) await third.lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock left by a process that is gone', async () => {
    await writeFile(join(dir, 'ferrum.pid'), '999999999 1\n');
    const result = await lockDataDir(dir);
    expect(result.acquired).toBe(true);
    expect((await readFile(join(dir, 'ferrum.pid'), 'utf8')).split(' ')[0]).toBe(String(process.pid));
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    // Our own pid with a start time that is not ours: the pid was reused.
    await writeFile(join(dir, 'ferrum.pid'), `${process.pid} 1\n`);
    expect((await lockDataDir(dir)).acquired).toBe(true);
  });

  it('lets exactly one of six racing processes win, with no lock file', async () => {
    expect(await race(6)).toBe(1);
  }, 30_000);

  it('lets exactly one of six racing processes win over a stale lock file', async () => {
    await writeFile(join(dir, 'ferrum.pid'), '999999999 1\n');
    expect(await race(6)).toBe(1);
  }, 30_000);
});
