#!/usr/bin/env node
// RPC fan-out benchmark: a real region (embedded PostgreSQL, in this process, so the fan-out is
// timed where the region makes it) and N real racks in a few child processes on loopback, each
// answering os.list from the fixture image cache. Figures: the whole fan-out (the region asks
// every rack at once and has all answers) and a single call to one rack, p50/p99.
// Usage: npm run bench -- rpc-fanout [--racks 100] [--processes 2] [--rounds 300] [--calls 3000]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, ms, onCleanup, runBench, stats, target } from './support/region.mjs';

const { values } = parseArgs({
  options: {
    racks: { type: 'string', default: '100' },
    processes: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '300' },
    calls: { type: 'string', default: '3000' },
  },
});
const rackCount = Number(values.racks);
const processes = Math.max(1, Number(values.processes));
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const imageDir = fileURLToPath(new URL('../apps/rack/test/fixtures/images', import.meta.url));

const { startRegion, loadRegionConfig } = await import('../apps/region/dist/index.js');
const { createLogger } = await import('../packages/kit/dist/index.js');
const { osList } = await import('../packages/protocol/dist/index.js');

await runBench(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferrum-bench-rpc-'));
  // The embedded PostgreSQL's user must be able to enter it (mkdtemp makes it 0700).
  chmodSync(dataDir, 0o755);
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const config = loadRegionConfig({
    FERRUM_DATA_DIR: join(dataDir, 'region'),
    FERRUM_HTTP_PORT: String(port),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
  });
  const logger = createLogger({ level: 'warn', pretty: false, name: 'bench-region' });
  const region = await startRegion(config, logger, 'bench');
  onCleanup(() => region.stop());
  const secret = await region.services.racks.sharedSecret();
  const caller = region.services.rackCaller;

  process.stdout.write(`starting ${rackCount} racks in ${processes} processes…\n`);
  const started = Date.now();
  const per = Math.ceil(rackCount / processes);
  await Promise.all(
    Array.from({ length: processes }, (_, p) => {
      const count = Math.min(per, rackCount - p * per);
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL('./support/rack-swarm.mjs', import.meta.url)),
          `http://127.0.0.1:${port}/MAAS/`,
          secret,
          String(count),
          String(p * per),
          join(dataDir, 'racks'),
          imageDir,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      onCleanup(
        () =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      );
      return new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (/ready \d+/.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`rack swarm ${p} exited with ${code}`)));
      });
    }),
  );
  const connected = caller.connectedIds();
  process.stdout.write(
    `${connected.length} racks connected in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (connected.length !== rackCount)
    throw new Error(`expected ${rackCount} connected racks, got ${connected.length}`);

  // Warm-up: every rack scans its image cache once and the JIT settles.
  for (let i = 0; i < 20; i++) await caller.callAll(osList, {}, { deadlineMs: 10_000 });

  const fanouts = [];
  let failures = 0;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const answers = await caller.callAll(osList, {}, { deadlineMs: 10_000 });
    fanouts.push(performance.now() - t0);
    failures += answers.filter((a) => !a.ok || a.result.osystems.length === 0).length;
    if (answers.length !== rackCount) throw new Error(`a fan-out reached ${answers.length} racks`);
  }
  const singles = [];
  for (let i = 0; i < calls; i++) {
    const id = connected[i % connected.length];
    const t0 = performance.now();
    const answer = await caller.call(id, osList, {}, { deadlineMs: 10_000 });
    singles.push(performance.now() - t0);
    if (answer.osystems.length === 0) failures++;
  }
  const f = stats(fanouts);
  const s = stats(singles);
  const results = [];
  process.stdout.write(
    [
      '',
      `rpc-fanout: ${rackCount} racks, os.list, ${rounds} fan-outs, ${calls} single calls`,
      `  fan-out:     p50 ${ms(f.p50)}  p90 ${ms(f.p90)}  p99 ${ms(f.p99)}  max ${ms(f.max)}`,
      `  single call: p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}`,
      `  answers missing or empty: ${failures}`,
      target(results, 'fan-out p99 (all racks answered)', ms(f.p99), f.p99 <= 100, '≤ 100 ms'),
      target(results, 'single call p50', ms(s.p50), s.p50 <= 1, '≤ 1 ms'),
      target(results, 'answers missing or empty', String(failures), failures === 0, '0'),
      '',
    ].join('\n'),
  );
  if (results.some((r) => !r.ok)) process.exitCode = 1;
});
