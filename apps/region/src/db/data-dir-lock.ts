import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DataDirLock {
  release(): Promise<void>;
}

export type LockResult = { acquired: true; lock: DataDirLock } | { acquired: false; pid: number };

interface Owner {
  readonly pid: number;
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22): tells a reused pid apart. */
  readonly start: string;
}

/**
 * One process at a time owns a data directory's embedded PostgreSQL. The lock is a pid file
 * created atomically (written aside, then hard-linked into place, so it is never seen empty).
 * A file whose process is gone — or whose pid now belongs to another process — is stale and
 * taken over, so a crash never leaves Ferrum unable to start.
 */
export async function lockDataDir(dataDir: string): Promise<LockResult> {
  const path = join(dataDir, 'ferrum.pid');
  const me: Owner = { pid: process.pid, start: await startTimeOf(process.pid) };
  const mine = `${me.pid} ${me.start}\n`;
  const draft = join(dataDir, `.ferrum.pid.${randomBytes(6).toString('hex')}`);
  await writeFile(draft, mine, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 500; attempt++) {
      try {
        await link(draft, path);
        return { acquired: true, lock: { release: () => releaseIfMine(path, mine) } };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const content = await readFile(path, 'utf8').catch(() => undefined);
      if (content === undefined) continue; // removed meanwhile: try again
      const owner = parseOwner(content);
      if (owner && (await isRunning(owner))) return { acquired: false, pid: owner.pid };
      await removeStale(path, content);
    }
    throw new Error(`cannot lock ${path}: it keeps changing`);
  } finally {
    await rm(draft, { force: true });
  }
}

async function releaseIfMine(path: string, mine: string): Promise<void> {
  const content = await readFile(path, 'utf8').catch(() => '');
  if (content === mine) await rm(path, { force: true });
}

/**
 * Removes a stale lock file — but only the very file judged stale. One process at a time may
 * remove (a `mkdir` mutex beside the lock), and it re-reads the file under that mutex, so a
 * lock another process has meanwhile taken is never deleted.
 */
async function removeStale(path: string, staleContent: string): Promise<void> {
  const mutex = `${path}.takeover`;
  try {
    await mkdir(mutex);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone else is cleaning up. A mutex left by a process that died inside it expires.
    const info = await stat(mutex).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 30_000) await rmdir(mutex).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    return;
  }
  try {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === staleContent) await rm(path, { force: true });
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
}

function parseOwner(content: string): Owner | undefined {
  const [pidText, start = ''] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, start } : undefined;
}

async function isRunning(owner: Owner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A pid can be reused after a reboot or in a container: the start time must match too.
  if (owner.start === '') return true;
  const start = await startTimeOf(owner.pid);
  return start === '' || start === owner.start;
}

/** Field 22 of /proc/<pid>/stat, or '' where /proc is not available. */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? '';
}
