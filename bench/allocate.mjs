#!/usr/bin/env node
// Allocation benchmark: a real region on a fresh data dir, N Ready machines (manual power,
// varied cpu/memory/tags) bulk-seeded in SQL, then two measured phases on that one region, each
// with C concurrent clients for S seconds:
//   1. allocate: each client loops POST machines/?op=allocate (a mix of no constraints,
//      cpu_count, mem, tags, all three) and holds every machine it gets. This is the issue's
//      figure, allocations per second with 50 concurrent clients (target ≥ 300/s); the default
//      10,000 machines are enough that the phase never runs out (a 409 here fails the run).
//   2. allocate + release cycle, on the machines still Ready after phase 1: each client loops
//      allocate then POST machines/{system_id}/?op=release (answers Releasing or Ready: with the
//      job queue the manual driver's power-off completes it to Ready). Informative, no target:
//      reported as allocate+release pairs/s and requests/s, with the release → Ready lag.
// Across both phases it checks that no machine was ever held by two clients at once:
// client-side (overlapping hold windows) and in the database (status history strictly
// Ready → Allocated → Releasing → Ready, one Allocated transition per 200, phase-1 machines
// ending Allocated and cycled ones Ready, owners at the end = the machines held in phase 1).
// Releases that complete asynchronously are waited for at the end of phase 2, and their lag
// (release answered → Ready) is reported from the status history.
// Usage: npm run bench -- allocate [--machines 10000] [--clients 50] [--seconds 10]
//        [--hold | --cycle-only] [--profile] [--pool N]
// --hold: run only phase 1 (allocate and hold).   --cycle-only: run only phase 2 (on all machines).
// --seconds: the length of each phase.
// --profile: a CPU profile of the region during each measured phase (inspector), one per phase.
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
    machines: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    hold: { type: 'boolean', default: false },
    'cycle-only': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    pool: { type: 'string' },
  },
});
const machines = Number(values.machines);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
function usage(message) {
  process.stderr.write(`bench allocate: ${message}\n`);
  process.exit(2);
}
if (!Number.isInteger(machines) || machines < 1) usage('--machines must be a positive integer');
if (!Number.isInteger(clients) || clients < 1) usage('--clients must be a positive integer');
if (!(seconds > 0)) usage('--seconds must be a positive number');
if (values.hold && values['cycle-only'])
  usage('--hold (phase 1 only) and --cycle-only (phase 2 only) exclude each other');
const runAllocate = !values['cycle-only'];
const runCycle = !values.hold;

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

/** A line in the style of `target()` for a figure that has no target. */
function info(label, value, note) {
  return `  info  ${label.padEnd(44)} ${String(value).padStart(12)}   ${note}`;
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
  const maxHistoryId = async () =>
    Number((await db.query('SELECT max(id) AS id FROM machine_status_history')).rows[0].id);
  const countStatus = async (status) =>
    (await db.query(`SELECT count(*)::int AS n FROM machines WHERE status = ${status}`)).rows[0].n;
  const historyBefore = await maxHistoryId();

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
      const n = await countStatus(STATUS.RELEASING);
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
  const warmHistory = await maxHistoryId();

  /**
   * Per machine, the client-side hold windows [allocate answered, release sent] of both phases
   * (phase 1's never end).
   */
  const windows = new Map();

  /** One measured phase: C clients for S seconds, allocating, and releasing too if `release`. */
  async function runPhase(name, release) {
    process.stderr.write(
      `${name}: ${clients} clients, ${seconds} s${release ? '' : ', holding every machine'}…\n`,
    );
    const p = {
      release,
      readyBefore: await countStatus(STATUS.READY),
      allocLatency: [],
      releaseLatency: [],
      byKind: new Map(mix.map((m) => [m.name, { ok: 0, conflicts: 0, latency: [] }])),
      conflicts: 0,
      otherErrors: 0,
      releaseErrors: 0,
      wrongOwner: 0,
      sampleErrors: [],
      allocatedIds: [],
      /** The first 409: seconds into the phase, and allocations answered by then. */
      firstConflict: undefined,
    };
    await profiler?.start();
    const cpuBefore = region.cpu();
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          const kind = pickConstraint();
          const a = await post('/machines/?op=allocate', kind.body);
          p.allocLatency.push(a.ms);
          const k = p.byKind.get(kind.name);
          k.latency.push(a.ms);
          if (a.status === 409) {
            p.conflicts++;
            k.conflicts++;
            p.firstConflict ??= { at: (performance.now() - t0) / 1000, after: p.allocatedIds.length };
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          if (a.status !== 200) {
            p.otherErrors++;
            if (p.sampleErrors.length < 5)
              p.sampleErrors.push(`allocate ${a.status}: ${a.text.slice(0, 200)}`);
            continue;
          }
          k.ok++;
          const held = performance.now();
          const m = JSON.parse(a.text);
          if (m.owner !== key.username || m.status !== STATUS.ALLOCATED) p.wrongOwner++;
          p.allocatedIds.push(m.system_id);
          const w = { from: held, to: Infinity };
          if (!windows.has(m.system_id)) windows.set(m.system_id, []);
          windows.get(m.system_id).push(w);
          if (!release) continue;
          w.to = performance.now();
          const r = await post(`/machines/${m.system_id}/?op=release`, '');
          p.releaseLatency.push(r.ms);
          if (r.status !== 200) {
            p.releaseErrors++;
            if (p.sampleErrors.length < 5)
              p.sampleErrors.push(`release ${r.status}: ${r.text.slice(0, 200)}`);
          }
        }
      }),
    );
    p.elapsed = (performance.now() - t0) / 1000;
    p.cpu = cpuSpent(cpuBefore, region.cpu(), p.elapsed);
    p.profile = profiler ? await profiler.stop() : undefined;
    p.allocations = p.allocatedIds.length;
    p.distinct = new Set(p.allocatedIds).size;
    p.rate = p.allocations / p.elapsed;
    if (release) {
      p.releasingAtEnd = await countStatus(STATUS.RELEASING);
      p.settleSeconds = await settle(120);
    }
    p.historyEnd = await maxHistoryId();
    return p;
  }

  // Phase 1: allocate and hold. Phase 2: allocate + release on whatever is still Ready.
  const p1 = runAllocate ? await runPhase('phase 1 (allocate)', false) : undefined;
  const readyForCycle = await countStatus(STATUS.READY);
  const p2 =
    runCycle && readyForCycle > 0 ? await runPhase('phase 2 (allocate + release cycle)', true) : undefined;
  const p2Skipped = runCycle && !p2;
  const phases = [p1, p2].filter(Boolean);
  const p1End = p1 ? p1.historyEnd : warmHistory;

  // Client-side: two clients' windows on one machine must never overlap (each window lies
  // inside the true ownership, from allocate's commit to release's commit). Phase 1's windows
  // never end, so any later window on a phase-1 machine counts.
  let overlaps = 0;
  for (const list of windows.values()) {
    list.sort((x, y) => x.from - y.from);
    let until = -Infinity;
    for (const w of list) {
      if (w.from < until) overlaps++;
      until = Math.max(until, w.to);
    }
  }
  // Database: every machine's history since the warm-up strictly alternates
  // Ready → Allocated (→ Releasing → Ready), each step starting where the last ended, and ends
  // where its phase left it: Allocated if held in phase 1, Ready if cycled in phase 2.
  const history = await db.query(
    `SELECT h.id, h.machine_id, m.system_id, h.from_status, h.to_status,
            extract(epoch FROM h.created - lag(h.created) OVER (PARTITION BY h.machine_id ORDER BY h.id)) * 1000 AS lag_ms
     FROM machine_status_history h JOIN machines m ON m.id = h.machine_id
     WHERE h.id > $1 ORDER BY h.machine_id, h.id`,
    [warmHistory],
  );
  const held = new Set(p1?.allocatedIds ?? []);
  let badSteps = 0;
  let wrongEnd = 0;
  const allocatedTransitions = [0, 0]; // phase 1, phase 2 (split by history id)
  const releaseLag = [];
  const seen = new Set();
  let last;
  const closeMachine = () => {
    if (!last) return;
    seen.add(last.systemId);
    if (last.status !== (held.has(last.systemId) ? STATUS.ALLOCATED : STATUS.READY)) wrongEnd++;
  };
  for (const h of history.rows) {
    if (h.machine_id !== last?.machine) {
      closeMachine();
      last = { machine: h.machine_id, systemId: h.system_id, status: STATUS.READY };
    }
    if (h.from_status !== last.status) badSteps++;
    const legal =
      (h.from_status === STATUS.READY && h.to_status === STATUS.ALLOCATED) ||
      (h.from_status === STATUS.ALLOCATED && h.to_status === STATUS.RELEASING) ||
      (h.from_status === STATUS.RELEASING && h.to_status === STATUS.READY);
    if (!legal) badSteps++;
    if (h.to_status === STATUS.ALLOCATED) allocatedTransitions[Number(h.id) > p1End ? 1 : 0]++;
    if (h.from_status === STATUS.RELEASING && h.to_status === STATUS.READY && h.lag_ms !== null)
      releaseLag.push(Number(h.lag_ms));
    last.status = h.to_status;
  }
  closeMachine();
  for (const id of held) if (!seen.has(id)) wrongEnd++; // held, yet no Allocated in its history
  const end = (
    await db.query(
      `SELECT count(*) FILTER (WHERE status = ${STATUS.READY})::int AS ready,
              count(*) FILTER (WHERE status = ${STATUS.ALLOCATED})::int AS allocated,
              count(*) FILTER (WHERE status NOT IN (${STATUS.READY}, ${STATUS.ALLOCATED}))::int AS other
       FROM machines`,
    )
  ).rows[0];
  const owned = new Set(
    (await db.query('SELECT system_id FROM machines WHERE owner_id IS NOT NULL')).rows.map(
      (r) => r.system_id,
    ),
  );
  const ownedNotHeld = [...owned].filter((id) => !held.has(id)).length;
  const heldNotOwned = [...held].filter((id) => !owned.has(id)).length;

  const answered = (p) => p?.allocations ?? 0;
  const total200 = answered(p1) + answered(p2);
  const totalAllocated = allocatedTransitions[0] + allocatedTransitions[1];
  const transitionsMatch =
    allocatedTransitions[0] === answered(p1) && allocatedTransitions[1] === answered(p2);
  const wrongOwner = phases.reduce((a, p) => a + p.wrongOwner, 0);
  const otherErrors = phases.reduce((a, p) => a + p.otherErrors + p.releaseErrors, 0);
  const heldTwice = p1 ? p1.allocations - p1.distinct : 0;

  const results = [];
  const out = [];
  const pushPhase = (p) => {
    const a = stats(p.allocLatency);
    out.push(
      `    409s:        ${p.conflicts}    other allocate errors: ${p.otherErrors}` +
        (p.release ? `    release errors: ${p.releaseErrors}` : ''),
    );
    for (const e of p.sampleErrors) out.push(`      e.g. ${e}`);
    if (!p.release && p.firstConflict) {
      const { at, after } = p.firstConflict;
      out.push(
        `    ran out of matching Ready machines: first 409 at ${at.toFixed(2)} s after ${after} allocations ` +
          `(${(after / at).toFixed(0)}/s until then); the phase's rate above is understated — ` +
          `use --machines ≥ ${Math.ceil(((after / at) * seconds * 1.5) / 1000) * 1000}`,
      );
    }
    out.push(`    allocate latency  p50 ${ms(a.p50)}  p90 ${ms(a.p90)}  p99 ${ms(a.p99)}  max ${ms(a.max)}`);
    if (p.release) {
      const r = stats(p.releaseLatency);
      const lag = stats(releaseLag);
      out.push(
        `    release latency   p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  (the API answer)`,
      );
      out.push(
        `    release → Ready   p50 ${ms(lag.p50)}  p90 ${ms(lag.p90)}  p99 ${ms(lag.p99)}  max ${ms(lag.max)}  ` +
          `(status history: Releasing → Ready, n=${lag.n}); ${p.releasingAtEnd} still Releasing at the end, settled in ${p.settleSeconds.toFixed(1)} s`,
      );
    }
    out.push(`    ${p.cpu}`);
    out.push('    by constraint:');
    for (const [name, k] of p.byKind) {
      const s = stats(k.latency);
      out.push(
        `      ${name.padEnd(24)} ${String(k.ok).padStart(6)} ok  ${String(k.conflicts).padStart(4)} 409  p50 ${ms(s.p50).padStart(9)}  p99 ${ms(s.p99).padStart(9)}`,
      );
    }
  };

  out.push('');
  out.push(
    `bench allocate — ${machines} Ready machines (${seeded.block_devices} block devices, ${seeded.machine_tags} machine tags), ` +
      `seeded in ${seeded.ms.toFixed(0)} ms; ${clients} concurrent clients, ${seconds} s per phase; ` +
      (runAllocate && runCycle
        ? 'phase 1 allocate (hold), then phase 2 allocate + release cycle'
        : runAllocate
          ? 'phase 1 only (--hold): allocate (hold)'
          : 'phase 2 only (--cycle-only): allocate + release cycle'),
  );
  out.push(`  (warm-up: ${warmHistory - historyBefore} transitions, not counted)`);
  if (p1) {
    out.push('');
    out.push(
      `  phase 1 — allocate: machines held, never released (the issue's figure, target ≥ ${RATE_TARGET}/s)`,
    );
    out.push(
      `    allocations: ${p1.allocations} in ${p1.elapsed.toFixed(2)} s = ${p1.rate.toFixed(0)}/s  ` +
        `(${p1.distinct} distinct machines; ${p1.readyBefore} Ready before, ${readyForCycle} after)`,
    );
    pushPhase(p1);
  }
  if (p2) {
    const requests = p2.allocLatency.length + p2.releaseLatency.length;
    out.push('');
    out.push(
      `  phase 2 — allocate + release cycle on the ${p2.readyBefore} machines ${p1 ? 'still Ready after phase 1' : 'Ready'} ` +
        `(no target: the issue's target is allocations/s)`,
    );
    out.push(
      `    cycles:      ${p2.allocations} allocate+release pairs in ${p2.elapsed.toFixed(2)} s = ${p2.rate.toFixed(0)}/s  ` +
        `(${p2.distinct} distinct machines)`,
    );
    out.push(`    requests:    ${requests} (${(requests / p2.elapsed).toFixed(0)}/s, allocate + release)`);
    pushPhase(p2);
  } else if (p2Skipped) {
    out.push('');
    out.push(
      `  phase 2 — allocate + release cycle: skipped, no machine left Ready after phase 1 ` +
        `(use more --machines)`,
    );
  }
  out.push('');
  out.push(
    `  double-allocation checks (${[p1 && 'phase 1', p2 && 'phase 2'].filter(Boolean).join(' and ')}):`,
  );
  out.push(`    overlapping client hold windows on one machine:          ${overlaps}`);
  out.push(`    history steps out of Ready→Allocated→Releasing→Ready:    ${badSteps}`);
  out.push(`    machines not ending Allocated (held) / Ready (cycled):  ${wrongEnd}`);
  out.push(
    `    Allocated transitions in history vs 200s answered:       ${totalAllocated} vs ${total200}` +
      (phases.length === 2
        ? `  (phase 1 ${allocatedTransitions[0]} vs ${answered(p1)}, phase 2 ${allocatedTransitions[1]} vs ${answered(p2)})`
        : ''),
  );
  out.push(`    answers not owned by the caller / not Allocated:         ${wrongOwner}`);
  if (p1) out.push(`    machines answered twice while held in phase 1:           ${heldTwice}`);
  out.push(
    `    at the end: ${owned.size} owned (expected the ${held.size} held in phase 1; ${ownedNotHeld} owned but not held, ` +
      `${heldNotOwned} held but not owned), ${end.ready} Ready, ${end.allocated} Allocated, ${end.other} other`,
  );
  out.push('');
  out.push('  targets:');
  if (p1) {
    out.push(
      target(
        results,
        `allocations/s (${clients} clients, phase 1)`,
        `${p1.rate.toFixed(0)}/s`,
        p1.rate >= RATE_TARGET,
        `≥ ${RATE_TARGET}/s`,
      ),
    );
    out.push(
      target(
        results,
        'phase 1 409s (ran out of Ready machines)',
        p1.conflicts,
        p1.conflicts === 0,
        '0 (else raise --machines)',
      ),
    );
  }
  if (p2)
    out.push(
      info(
        `allocate+release pairs/s (phase 2)`,
        `${p2.rate.toFixed(0)}/s`,
        "no target: the issue's target is allocations/s",
      ),
    );
  const doubles = overlaps + badSteps + wrongOwner + heldTwice;
  out.push(target(results, 'machines allocated twice concurrently', doubles, doubles === 0, '0'));
  out.push(
    target(
      results,
      'history Allocated transitions = 200s',
      `${totalAllocated}/${total200}`,
      transitionsMatch,
      phases.length === 2 ? 'equal, in each phase' : 'equal',
    ),
  );
  out.push(target(results, 'machines ending where their phase left them', wrongEnd, wrongEnd === 0, '0'));
  out.push(
    target(
      results,
      'owned machines at the end',
      owned.size,
      ownedNotHeld === 0 && heldNotOwned === 0,
      `the ${held.size} held in phase 1`,
    ),
  );
  out.push(target(results, 'errors other than 409', otherErrors, otherErrors === 0, '0'));
  console.log(out.join('\n'));
  for (const [p, title] of [
    [p1, 'phase 1 (allocate)'],
    [p2, 'phase 2 (allocate + release cycle)'],
  ]) {
    if (!p?.profile) continue;
    console.log(`\n  region CPU profile — ${title}:`);
    console.log(summariseProfile(p.profile, 25).join('\n'));
  }
  if (results.some((x) => !x.ok)) process.exitCode = 1;
});
