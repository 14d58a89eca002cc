// Shared bench support: a real region (`ferrum start`) on a fresh temp data dir with its
// embedded PostgreSQL, an admin API key made with the CLI, a direct SQL connection for bulk
// seeding, signed requests, percentiles, and cleanup that runs on success, failure and Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout } from 'node:timers';
import pg from 'pg';
import { WebSocket } from 'undici';

const bin = new URL('../../apps/cli/bin/ferrum.js', import.meta.url).pathname;
const embeddedModule = new URL('../../apps/region/dist/db/embedded-postgres.js', import.meta.url).href;

// ---------------------------------------------------------------- cleanup on every exit path
const cleanups = [];
let cleaning;

/** Registers an async cleanup; they run once, last registered first. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`bench cleanup: ${error?.stack ?? error}\n`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (cleaning) return; // already on the way out; a repeated Ctrl-C must not cut cleanup short
    process.stderr.write(`\nbench: ${signal}, stopping the region and removing its data dir…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  void cleanup().finally(() => process.exit(1));
});
process.on('unhandledRejection', (error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  void cleanup().finally(() => process.exit(1));
});

/** Runs `main`, then cleans up whatever happened; the exit code says whether it failed. */
export async function runBench(main) {
  try {
    await main();
  } catch (error) {
    // After a signal, requests fail because cleanup closed things under them: not news.
    if (!cleaning) process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------- region
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `ferrum start` on a new temp data dir and waits for its first 200. The region runs in
 * its own process group so the terminal's Ctrl-C reaches only the bench, whose cleanup then
 * stops the region (SIGTERM: HTTP closed, embedded PostgreSQL stopped) and removes the dir.
 * `inspect`: open the region's inspector on a free local port, so `region.profiler()` can take
 * CPU profiles of chosen phases.
 */
export async function startRegion({ inspect = false, extraEnv = {} } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferrum-bench-'));
  const env = {
    ...process.env,
    FERRUM_DATA_DIR: dataDir,
    FERRUM_HTTP_PORT: String(port),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    FERRUM_LOG_LEVEL: 'warn',
    FERRUM_LOG_FORMAT: 'json',
    DATABASE_URL: '',
    ...extraEnv,
  };
  const base = `http://127.0.0.1:${port}`;
  // The embedded server's own notion of its socket (data dir, or a short dir in /tmp).
  const { EmbeddedPostgres } = await import(embeddedModule);
  const quiet = { child: () => quiet, info() {}, warn() {}, error() {}, debug() {} };
  const embedded = new EmbeddedPostgres({ dataDir, logger: quiet });
  const dbUrl = embedded.url('ferrum');

  const nodeArgs = [];
  const inspectPort = inspect ? await freePort() : undefined;
  if (inspectPort) nodeArgs.push(`--inspect=127.0.0.1:${inspectPort}`);
  const child = spawn(process.execPath, [...nodeArgs, bin, 'start'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));

  // Removal of the data dir comes after the region (and its PostgreSQL) are gone.
  onCleanup(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (embedded.socketDir !== embedded.pgData) rmSync(embedded.socketDir, { recursive: true, force: true });
  });
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer;
      const done = await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
      clearTimeout(timer);
      if (!done) {
        process.stderr.write('bench: region did not stop within 60 s; killing it\n');
        child.kill('SIGKILL');
        await exited;
      }
    }
    // A region that died uncleanly may leave its PostgreSQL running: fast-stop it by its pid file.
    const pidFile = join(embedded.pgData, 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0 && alive(pid)) {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
      }
    }
  });

  const t0 = performance.now();
  for (;;) {
    try {
      const r = await fetch(`${base}/MAAS/api/2.0/version/`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`ferrum start exited with ${child.exitCode}`);
    if (performance.now() - t0 > 120_000) throw new Error('region not up after 120 s');
    await sleep(20);
  }
  const startMs = performance.now() - t0;

  const cli = (args) => {
    const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ferrum ${args[0]} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };

  const region = {
    base,
    api: `${base}/MAAS/api/2.0`,
    dataDir,
    dbUrl,
    env,
    startMs,
    cli,
    /** CPU seconds used so far by the region process, its PostgreSQL and this bench (Linux /proc). */
    cpu() {
      return {
        region: procCpuSeconds(child.pid),
        postgres: postgresCpuSeconds(embedded.pgData),
        bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      };
    },
    /** A CPU profiler on the region's inspector (start it with `inspect: true`). */
    async profiler() {
      if (!inspectPort) throw new Error('startRegion({ inspect: true }) is needed for profiling');
      const targets = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json();
      return connectProfiler(targets[0].webSocketDebuggerUrl);
    },
    /** Creates an administrator with the CLI and returns its API key parts. */
    createAdmin(username = 'bench') {
      cli([
        'createadmin',
        '--username',
        username,
        '--email',
        `${username}@example.com`,
        '--password',
        'bench',
      ]);
      const key = cli(['apikey', '--username', username]).trim().split('\n').at(-1);
      const [consumerKey, tokenKey, tokenSecret] = key.split(':');
      if (!tokenSecret) throw new Error(`unexpected apikey output: ${key}`);
      return { consumerKey, tokenKey, tokenSecret, username };
    },
    /** A pg client on the region's database (its embedded server's Unix socket). */
    async sql() {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      onCleanup(() => client.end().catch(() => {}));
      return client;
    },
  };
  return region;
}

// ---------------------------------------------------------------- CPU accounting (Linux)
const TICKS = 100; // USER_HZ: /proc reports utime/stime in 1/100 s on Linux

function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS };
  } catch {
    return undefined;
  }
}

function procCpuSeconds(pid) {
  return procStat(pid)?.cpu ?? NaN;
}

/** The postmaster (from its pid file) and every process it forked (backends, workers). */
function postgresCpuSeconds(pgData) {
  let postmaster;
  try {
    postmaster = Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return NaN;
  }
  let total = procStat(postmaster)?.cpu ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat && stat.ppid === postmaster) total += stat.cpu;
  }
  return total;
}

/** `after - before` of two `region.cpu()` readings, with the wall time between them. */
export function cpuSpent(before, after, wallSeconds) {
  const d = (k) => after[k] - before[k];
  const line = (k) => `${k} ${d(k).toFixed(2)} s (${((100 * d(k)) / wallSeconds).toFixed(0)}% of a core)`;
  return `CPU over ${wallSeconds.toFixed(1)} s wall: ${line('region')}, ${line('postgres')}, ${line('bench')} — ${availableParallelism()} cores`;
}

/** The OAuth 1.0 PLAINTEXT Authorization header of MAAS API keys, fresh nonce each call. */
export function oauthHeader({ consumerKey, tokenKey, tokenSecret }) {
  return `OAuth realm="", oauth_consumer_key="${consumerKey}", oauth_token="${tokenKey}", oauth_signature_method="PLAINTEXT", oauth_signature="%26${tokenSecret}", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="${randomBytes(12).toString('hex')}", oauth_version="1.0"`;
}

// ---------------------------------------------------------------- figures
/** p-th percentile (nearest rank) of an ascending array. */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: pct(sorted, 50),
    p90: pct(sorted, 90),
    p99: pct(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    min: sorted[0] ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export const ms = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : 'n/a');

export function bytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** A target line: `label  value  (target …)  PASS|FAIL`; records failures for the exit code. */
export function target(results, label, value, ok, targetText) {
  results.push({ label, ok });
  return `  ${ok ? 'PASS' : 'FAIL'}  ${label.padEnd(44)} ${String(value).padStart(12)}   target ${targetText}`;
}

// ---------------------------------------------------------------- CPU profiles
/** Chrome DevTools Protocol over the inspector WebSocket: Profiler.start / Profiler.stop. */
async function connectProfiler(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  let next = 1;
  const pending = new Map();
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data));
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  onCleanup(() => ws.close());
  const evaluate = async (expression) =>
    (await send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  return {
    /** Starts profiling, and measuring the region's event loop utilisation. */
    start: async () => {
      await evaluate('globalThis.__benchElu = performance.eventLoopUtilization()');
      await send('Profiler.start');
    },
    /** Stops and returns the profile (a .cpuprofile object) with the event loop utilisation since start. */
    stop: async () => {
      const { profile } = await send('Profiler.stop');
      profile.eventLoopUtilization = await evaluate(
        'performance.eventLoopUtilization(globalThis.__benchElu).utilization',
      );
      return profile;
    },
  };
}

/**
 * A CPU profile summed by self time: per code area (a package in node_modules, a region
 * source file, node internals, GC) and per function, top N each.
 */
export function summariseProfile(profile, top = 20) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const dt = deltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const byFunction = new Map();
  const byArea = new Map();
  const inclusive = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (cf) => {
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    return `${cf.functionName || '(anonymous)'} ${where}`.trim();
  };
  // Inclusive time of our own code (apps/, packages/), each function once per sample.
  for (const [id, us] of self) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const cf = byNode.get(at).callFrame;
      if (!/\/(apps|packages)\//.test(cf.url) || cf.url.includes('/node_modules/')) continue;
      const k = keyOf(cf);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const node = byNode.get(id);
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const fn = keyOf(cf);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const area = areaOf(cf);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const elu = profile.eventLoopUtilization;
  const lines = [
    `    busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s` +
      (elu === undefined ? '' : `; event loop utilisation ${(100 * elu).toFixed(0)}%`),
  ];
  const fmt = (m, title) => {
    lines.push(`    ${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      lines.push(
        `      ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
      );
  };
  fmt(byArea, 'self time by code area (busy time = 100%):');
  fmt(byFunction, `top ${top} functions by self time:`);
  fmt(inclusive, `top ${top} Ferrum functions by inclusive time (self + callees):`);
  return lines;
}

function shortUrl(url) {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const apps = url.search(/\/(apps|packages)\//);
  if (apps >= 0) return url.slice(apps + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(cf) {
  if (!cf.url) return cf.functionName.startsWith('(') ? cf.functionName : `(native) ${cf.functionName}`;
  const url = cf.url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return `npm ${pkg}`;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.search(/\/(apps|packages)\//);
  if (src >= 0) return url.slice(src + 1).replace(/^file:\/\//, '');
  return url;
}

/** Waits for the all-in-one rack, which connects a moment after the API answers, and its reports. */
export async function waitForRack(db) {
  for (const t0 = Date.now(); ;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM rack_controllers WHERE connected_since IS NOT NULL`,
    );
    if (rows[0].n > 0) break;
    if (Date.now() - t0 > 60_000) throw new Error('no rack connected within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1000)); // its power types and images reported
}
