import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface DataDirLock {
  release(): Promise<void>;
}

export type LockResult = { acquired: true; lock: DataDirLock } | { acquired: false; pid: number };

/**
 * One process at a time owns a data directory's embedded PostgreSQL. The lock is a pid file;
 * a file whose process is gone is stale and taken over, so a crash never leaves Ferrum unable to start.
 */
export async function lockDataDir(dataDir: string): Promise<LockResult> {
  const path = join(dataDir, 'ferrum.pid');
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        acquired: true,
        lock: {
          release: async () => {
            const content = await readFile(path, 'utf8').catch(() => '');
            if (Number(content.trim()) === process.pid) await rm(path, { force: true });
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) return { acquired: false, pid };
      await rm(path, { force: true });
    }
  }
  throw new Error(`cannot lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
