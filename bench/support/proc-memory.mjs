// Memory of a bench's region process (Linux /proc): found by the pid file the region keeps in
// its data dir, read as resident set size now (VmRSS) and at its peak so far (VmHWM); and the
// system calls it made to read and write (sockets included), the cost of each round trip.
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

/** System calls `pid` has made that read and write (syscr, syscw of /proc/<pid>/io), or NaNs. */
export function syscallsOf(pid) {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const n = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
    return { reads: n('syscr'), writes: n('syscw') };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}
