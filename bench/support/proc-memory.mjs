// Memory of a bench's region process (Linux /proc): found by the pid file the region keeps in
// its data dir, read as resident set size now (VmRSS) and at its peak so far (VmHWM).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pid of the region owning `dataDir` (its `ferrum.pid`: "<pid> <start time>"), or undefined. */
export function regionPid(dataDir) {
  try {
    const pid = Number(readFileSync(join(dataDir, 'ferrum.pid'), 'utf8').trim().split(/\s+/)[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** `{ rss, peak }` in bytes for `pid`, or NaNs when it cannot be read. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}
