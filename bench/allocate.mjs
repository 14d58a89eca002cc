#!/usr/bin/env node
// Allocation benchmark: a real region on a fresh data dir, N Ready machines (manual power,
// varied cpu/memory/tags) bulk-seeded in SQL, then C concurrent clients each loop
//   POST machines/?op=allocate (a mix of no constraints, cpu_count, mem, tags, all three)
//   POST machines/{system_id}/?op=release   (answers Releasing or Ready: with the job queue the
//                                            manual driver's power-off completes it to Ready)
// for S seconds. Reports allocations/s, latencies, 409s, and checks that no machine was ever
// held by two clients at once: client-side (overlapping hold windows) and in the database
// (status history strictly alternating, owners at the end, one Allocated transition per 200).
// Releases that complete asynchronously are waited for at the end, and their lag (release
// answered → Ready) is reported from the status history.
// Usage: npm run bench -- allocate [--machines 2000] [--clients 50] [--seconds 10] [--hold]
//        [--profile] [--pool N]
// --hold: never release (machines must outnumber the allocations, else 409s once exhausted).
// --profile: a CPU profile of the region during the measured phase (inspector).
// --pool: FERRUM_DB_POOL_SIZE for the region (default: the region's own, 20).
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import {
  cpuSpent,
  ms,
  oauthHeader,
  onCleanup,
  runBench,
  startRegion,
  stats,
  summariseProfile,
  target,
} from './support/region.mjs';
import { STATUS, seedMachines } from './support/seed.mjs';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    hold: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    pool: { type: 'string' },
  },
});
const machines = Number(values.machines);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const hold = values.hold;

const RATE_TARGET = 300;

// The constraint mix, by weight. Every kind matches hundreds of the seeded machines.
const mix = [
  { name: 'none', weight: 40, body: '' },
  { name: 'cpu_count=8', weight: 20, body: 'cpu_count=8' },
  { name: 'mem=16384', weight: 20, body: 'mem=16384' },
  { name: 'tags=bench-ssd', weight: 10, body: 'tags=bench-ssd' },
  { name: 'cpu+mem+tags=bench-gpu', weight: 10, body: 'cpu_count=4&mem=8192&tags=bench-gpu' },
];
const totalWeight = mix.reduce((a, m) => a + m.weight, 0);
function pickConstraint() {
  let r = Math.random() * totalWeight;
  for (const m of mix) if ((r -= m.weight) < 0) return m;
  return mix[0];
}

await runBench(async () => {
  const region = await startRegion({
    inspect: values.profile,
    extraEnv: values.pool ? { FERRUM_DB_POOL_SIZE: values.pool } : {},
  });
  const profiler = values.profile ? await region.profiler() : undefined;
  const key = region.createAdmin();
  const db = await region.sql();
  process.stderr.write(`seeding ${machines} Ready machines…\n`);
  const seeded = await seedMachines(db, { count: machines, mode: 'allocate', events: 3 });
  const historyBefore = Number(
    (await db.query('SELECT max(id) AS id FROM machine_status_history')).rows[0].id,
  );

  const agent = new Agent({ connections: clients, pipelining: 1, keepAliveTimeout: 60_000 });
  onCleanup(() => agent.close());
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  async function post(path, body) {
    const t = performance.now();
    const r = await request(`${region.api}${path}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: oauthHeader(key), ...form },
      body,
    });
    const text = await r.body.text();
    return { status: r.statusCode, text, ms: performance.now() - t };
  }

  /** Waits until no machine is Releasing (power work done); returns how long it took in seconds. */
  async function settle(maxSeconds) {
    const t = performance.now();
    for (;;) {
      const { n } = (
        await db.query(`SELECT count(*)::int AS n FROM machines WHERE status = ${STATUS.RELEASING}`)
      ).rows[0];
      if (n === 0) return (performance.now() - t) / 1000;
      if (performance.now() - t > maxSeconds * 1000) {
        process.stderr.write(`${n} machines still Releasing after ${maxSeconds} s\n`);
        return Infinity;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // Warm-up (not counted): a few allocate/release pairs to settle JIT, pool and plans.
  process.stderr.write('warm-up…\n');
  for (let i = 0; i < 3; i++) {
    await Promise.all(
      Array.from({ length: Math.min(clients, 20) }, async () => {
        const a = await post('/machines/?op=allocate', pickConstraint().body);
        if (a.status !== 200)
          throw new Error(`warm-up allocate answered ${a.status}: ${a.text.slice(0, 300)}`);
        const m = JSON.parse(a.text);
        const r = await post(`/machines/${m.system_id}/?op=release`, '');
        if (r.status !== 200)
          throw new Error(`warm-up release answered ${r.status}: ${r.text.slice(0, 300)}`);
        const after = JSON.parse(r.text);
        if (after.status !== STATUS.READY && after.status !== STATUS.RELEASING)
          throw new Error(
            `release left ${m.system_id} in status ${after.status} (${after.status_name}), not Releasing/Ready`,
          );
      }),
    );
  }
  await settle(30);
  const warmHistory = Number((await db.query('SELECT max(id) AS id FROM machine_status_history')).rows[0].id);

  // Measured phase.
  process.stderr.write(`${clients} clients, ${seconds} s${hold ? ', holding every machine' : ''}…\n`);
  const allocLatency = [];
  const releaseLatency = [];
  const byKind = new Map(mix.map((m) => [m.name, { ok: 0, conflicts: 0, latency: [] }]));
  let conflicts = 0;
  let otherErrors = 0;
  let releaseErrors = 0;
  let wrongOwner = 0;
  const sampleErrors = [];
  /** Per machine, the client-side hold windows [allocate answered, release sent]. */
  const windows = new Map();
  const allocatedIds = [];

  await profiler?.start();
  const cpuBefore = region.cpu();
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const kind = pickConstraint();
        const a = await post('/machines/?op=allocate', kind.body);
        allocLatency.push(a.ms);
        const k = byKind.get(kind.name);
        k.latency.push(a.ms);
        if (a.status === 409) {
          conflicts++;
          k.conflicts++;
          if (hold) await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        if (a.status !== 200) {
          otherErrors++;
          if (sampleErrors.length < 5) sampleErrors.push(`allocate ${a.status}: ${a.text.slice(0, 200)}`);
          continue;
        }
        k.ok++;
        const held = performance.now();
        const m = JSON.parse(a.text);
        if (m.owner !== key.username || m.status !== STATUS.ALLOCATED) wrongOwner++;
        allocatedIds.push(m.system_id);
        const w = { from: held, to: Infinity };
        if (!windows.has(m.system_id)) windows.set(m.system_id, []);
        windows.get(m.system_id).push(w);
        if (hold) continue;
        w.to = performance.now();
        const r = await post(`/machines/${m.system_id}/?op=release`, '');
        releaseLatency.push(r.ms);
        if (r.status !== 200) {
          releaseErrors++;
          if (sampleErrors.length < 5) sampleErrors.push(`release ${r.status}: ${r.text.slice(0, 200)}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSpent(cpuBefore, region.cpu(), elapsed);
  const profile = profiler ? await profiler.stop() : undefined;
  const allocations = allocatedIds.length;
  const releasingAtEnd = Number(
    (await db.query(`SELECT count(*) AS n FROM machines WHERE status = ${STATUS.RELEASING}`)).rows[0].n,
  );
  const settleSeconds = hold ? 0 : await settle(120);

  // Client-side: two clients' windows on one machine must never overlap (each window lies
  // inside the true ownership, from allocate's commit to release's commit).
  let overlaps = 0;
  for (const list of windows.values()) {
    list.sort((x, y) => x.from - y.from);
    for (let i = 1; i < list.length; i++) if (list[i].from < list[i - 1].to) overlaps++;
  }
  // Database: every machine's history since the warm-up strictly alternates
  // Ready → Allocated (→ Releasing → Ready), each step starting where the last ended.
  const history = await db.query(
    `SELECT machine_id, from_status, to_status,
            extract(epoch FROM created - lag(created) OVER (PARTITION BY machine_id ORDER BY id)) * 1000 AS lag_ms
     FROM machine_status_history WHERE id > $1 ORDER BY machine_id, id`,
    [warmHistory],
  );
  let badSteps = 0;
  let allocatedTransitions = 0;
  const releaseLag = [];
  let last = { machine: -1, status: STATUS.READY };
  for (const h of history.rows) {
    if (h.machine_id !== last.machine) last = { machine: h.machine_id, status: STATUS.READY };
    if (h.from_status !== last.status) badSteps++;
    const legal =
      (h.from_status === STATUS.READY && h.to_status === STATUS.ALLOCATED) ||
      (h.from_status === STATUS.ALLOCATED && h.to_status === STATUS.RELEASING) ||
      (h.from_status === STATUS.RELEASING && h.to_status === STATUS.READY);
    if (!legal) badSteps++;
    if (h.to_status === STATUS.ALLOCATED) allocatedTransitions++;
    if (h.from_status === STATUS.RELEASING && h.to_status === STATUS.READY && h.lag_ms !== null)
      releaseLag.push(Number(h.lag_ms));
    last.status = h.to_status;
  }
  const end = (
    await db.query(
      `SELECT count(*) FILTER (WHERE owner_id IS NOT NULL)::int AS owned,
              count(*) FILTER (WHERE status = ${STATUS.READY})::int AS ready,
              count(*) FILTER (WHERE status = ${STATUS.ALLOCATED})::int AS allocated,
              count(*) FILTER (WHERE status NOT IN (${STATUS.READY}, ${STATUS.ALLOCATED}))::int AS other
       FROM machines`,
    )
  ).rows[0];
  const distinct = new Set(allocatedIds).size;
  const expectedOwned = hold ? allocations : 0;

  const a = stats(allocLatency);
  const r = stats(releaseLatency);
  const lag = stats(releaseLag);
  const rate = allocations / elapsed;
  const results = [];
  const out = [];
  out.push('');
  out.push(
    `bench allocate — ${machines} Ready machines (${seeded.block_devices} block devices, ${seeded.machine_tags} machine tags), ` +
      `seeded in ${seeded.ms.toFixed(0)} ms; ${clients} concurrent clients, ${seconds} s, ` +
      (hold ? 'machines held (no release)' : 'each machine released back after allocation'),
  );
  out.push(`  (warm-up: ${warmHistory - historyBefore} transitions, not counted)`);
  out.push('');
  out.push(
    `  allocations: ${allocations} in ${elapsed.toFixed(2)} s = ${rate.toFixed(0)}/s  (${distinct} distinct machines)`,
  );
  if (!hold)
    out.push(
      `  requests:    ${allocLatency.length + releaseLatency.length} (${((allocLatency.length + releaseLatency.length) / elapsed).toFixed(0)}/s, allocate + release)`,
    );
  out.push(
    `  409s:        ${conflicts}    other allocate errors: ${otherErrors}    release errors: ${releaseErrors}`,
  );
  for (const e of sampleErrors) out.push(`    e.g. ${e}`);
  out.push(`  allocate latency  p50 ${ms(a.p50)}  p90 ${ms(a.p90)}  p99 ${ms(a.p99)}  max ${ms(a.max)}`);
  if (!hold) {
    out.push(
      `  release latency   p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  (the API answer)`,
    );
    out.push(
      `  release → Ready   p50 ${ms(lag.p50)}  p90 ${ms(lag.p90)}  p99 ${ms(lag.p99)}  max ${ms(lag.max)}  ` +
        `(status history: Releasing → Ready, n=${lag.n}); ${releasingAtEnd} still Releasing at the end, settled in ${settleSeconds.toFixed(1)} s`,
    );
  }
  out.push(`  ${cpu}`);
  out.push('  by constraint:');
  for (const [name, k] of byKind) {
    const s = stats(k.latency);
    out.push(
      `    ${name.padEnd(24)} ${String(k.ok).padStart(6)} ok  ${String(k.conflicts).padStart(4)} 409  p50 ${ms(s.p50).padStart(9)}  p99 ${ms(s.p99).padStart(9)}`,
    );
  }
  out.push('');
  out.push('  double-allocation checks:');
  out.push(`    overlapping client hold windows on one machine:          ${overlaps}`);
  out.push(`    history steps out of Ready→Allocated→Releasing→Ready:    ${badSteps}`);
  out.push(
    `    Allocated transitions in history vs 200s answered:       ${allocatedTransitions} vs ${allocations}`,
  );
  out.push(`    answers not owned by the caller / not Allocated:         ${wrongOwner}`);
  out.push(
    `    at the end: ${end.owned} owned (expected ${expectedOwned}), ${end.ready} Ready, ${end.allocated} Allocated, ${end.other} other`,
  );
  out.push('');
  out.push('  targets:');
  out.push(
    target(
      results,
      `allocations/s (${clients} clients)`,
      `${rate.toFixed(0)}/s`,
      rate >= RATE_TARGET,
      `≥ ${RATE_TARGET}/s`,
    ),
  );
  const doubles = overlaps + badSteps + wrongOwner + (hold ? allocations - distinct : 0);
  out.push(target(results, 'machines allocated twice concurrently', doubles, doubles === 0, '0'));
  out.push(
    target(
      results,
      'history Allocated transitions = 200s',
      `${allocatedTransitions}/${allocations}`,
      allocatedTransitions === allocations,
      'equal',
    ),
  );
  out.push(
    target(
      results,
      'owned machines at the end',
      end.owned,
      end.owned === expectedOwned,
      String(expectedOwned),
    ),
  );
  out.push(
    target(
      results,
      'errors other than 409',
      otherErrors + releaseErrors,
      otherErrors + releaseErrors === 0,
      '0',
    ),
  );
  console.log(out.join('\n'));
  if (profile) {
    console.log('\n  region CPU profile — measured phase:');
    console.log(summariseProfile(profile, 25).join('\n'));
  }
  if (results.some((x) => !x.ok)) process.exitCode = 1;
});
