#!/usr/bin/env node
// API benchmark: cold start to first 200 (fresh data dir, then warm), and signed whoami
// throughput with p50/p99 latency under N concurrent keep-alive clients.
// Usage: npm run bench -- api [--clients 50] [--seconds 10]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { freePort } from './support/region.mjs';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' } },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const bin = new URL('../apps/cli/bin/ferrum.js', import.meta.url).pathname;

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
};
const base = `http://127.0.0.1:${port}`;

async function startAndTime() {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      const r = await fetch(`${base}/MAAS/api/2.0/version/`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error('ferrum start exited');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, ms: performance.now() - t0 };
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const cold = await startAndTime();
await stop(cold.child);
const warm = await startAndTime();

const cli = (args) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
cli(['createadmin', '--username', 'bench', '--email', 'bench@example.com', '--password', 'bench']);
const key = cli(['apikey', '--username', 'bench']).stdout.trim();
const [ck, tk, ts] = key.split(':');
const header = () =>
  `OAuth realm="", oauth_consumer_key="${ck}", oauth_token="${tk}", oauth_signature_method="PLAINTEXT", oauth_signature="%26${ts}", oauth_timestamp="${Math.floor(Date.now() / 1000)}", oauth_nonce="${randomBytes(12).toString('hex')}", oauth_version="1.0"`;

const agent = new Agent({ connections: clients, pipelining: 1, keepAliveTimeout: 30_000 });
const url = `${base}/MAAS/api/2.0/users/?op=whoami`;
// Warm-up so JIT and the connection pool are settled before measuring.
await Promise.all(
  Array.from({ length: clients }, () =>
    request(url, { dispatcher: agent, headers: { authorization: header() } }).then((r) => r.body.text()),
  ),
);

const latencies = [];
let errors = 0;
const deadline = performance.now() + seconds * 1000;
async function client() {
  while (performance.now() < deadline) {
    const t = performance.now();
    const r = await request(url, { dispatcher: agent, headers: { authorization: header() } });
    await r.body.text();
    if (r.statusCode !== 200) errors++;
    latencies.push(performance.now() - t);
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, client));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);

await agent.close();
await stop(warm.child);
rmSync(dataDir, { recursive: true, force: true });

console.log(
  `bench api — ${clients} concurrent clients, ${seconds} s, signed GET users/?op=whoami (OAuth PLAINTEXT, fresh nonce each)`,
);
console.log(`  cold start to first 200 (new data dir, initdb): ${cold.ms.toFixed(0)} ms`);
console.log(`  warm start to first 200 (existing data dir):    ${warm.ms.toFixed(0)} ms`);
console.log(`  requests: ${latencies.length}  errors: ${errors}`);
console.log(`  throughput: ${(latencies.length / elapsed).toFixed(0)} req/s`);
console.log(`  latency p50: ${pct(50)} ms  p99: ${pct(99)} ms  max: ${latencies.at(-1).toFixed(2)} ms`);
if (errors > 0) process.exitCode = 1;
