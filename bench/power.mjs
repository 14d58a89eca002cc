#!/usr/bin/env node
// Power benchmark: a real all-in-one region (`ferrum start`: embedded PostgreSQL, its own rack
// in the same process) and one SimBmcServer in this process simulating N BMCs with a fixed
// latency per call. N machines are created through the MAAS API with power type `sim`
// (commission=false, so nothing switches them), marked broken (power_on is allowed from
// Deployed, Deploying and Broken; broken needs no OS image), then all N power_on calls are
// fired at once and each machine is followed from the API call to
//   (a) its simulated BMC switching it on (the simulator's own record),
//   (b) the region recording power_state on (machines.power_state_updated), and
//   (c) the API listing it on (GET machines/ every --poll-ms).
// Where the time goes comes from the power job's own timestamps (pg-boss: created, started,
// completed): API answer → job started (queue), job started → BMC on (routing, RPC, the rack's
// query + on), BMC on → recorded (the rack's confirming query, the answer, the write).
// Usage: npm run bench -- power [--machines 1000] [--latency-ms 20] [--concurrency N (default all)]
//        [--poll-ms 200] [--timeout 180] [--create-clients 32] [--profile] [--pool N]
//        [--rack-concurrency N]
// --latency-ms: the simulated BMC's time per call (each power on is 3 calls: query, on, confirm).
// --concurrency: power_on calls in flight at once from this client (default: all N at once).
// --profile: a CPU profile of the region (and its in-process rack) during the measured phase.
// --pool: FERRUM_DB_POOL_SIZE for the region. --rack-concurrency: FERRUM_RACK_POWER_MAX_CONCURRENT.
import { Buffer } from 'node:buffer';
import { URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import {
  bytes,
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
import { memoryOf, regionPid } from './support/proc-memory.mjs';
import { STATUS } from './support/seed.mjs';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '20' },
    concurrency: { type: 'string' },
    'poll-ms': { type: 'string', default: '200' },
    timeout: { type: 'string', default: '180' },
    'create-clients': { type: 'string', default: '32' },
    profile: { type: 'boolean', default: false },
    pool: { type: 'string' },
    'rack-concurrency': { type: 'string' },
  },
});
const machines = Number(values.machines);
const latencyMs = Number(values['latency-ms']);
const concurrency = values.concurrency === undefined ? machines : Number(values.concurrency);
const pollMs = Number(values['poll-ms']);
const timeoutS = Number(values.timeout);
const createClients = Number(values['create-clients']);
function usage(message) {
  process.stderr.write(`bench power: ${message}\n`);
  process.exit(2);
}
if (!Number.isInteger(machines) || machines < 1 || machines > 65_535)
  usage('--machines must be an integer from 1 to 65535');
if (!(latencyMs >= 0)) usage('--latency-ms must be a number ≥ 0');
if (!Number.isInteger(concurrency) || concurrency < 1) usage('--concurrency must be a positive integer');
if (!(pollMs >= 10)) usage('--poll-ms must be at least 10');
if (!(timeoutS > 0)) usage('--timeout must be a positive number of seconds');
if (!Number.isInteger(createClients) || createClients < 1)
  usage('--create-clients must be a positive integer');

const { SimBmcServer } = await import('../packages/sim/dist/index.js');

const pad = (i) => String(i).padStart(6, '0');
const simIdOf = (i) => `sim-${pad(i)}`;
const hostnameOf = (i) => `power-${pad(i)}`;
const macOf = (i) => `52:54:01:${pad(i.toString(16)).match(/../g).join(':')}`;
const sleep = (t) => new Promise((r) => setTimeout(r, t));
/** A PostgreSQL epoch-ms value on this process's performance.now() timeline (same host clock). */
const perf = (epochMs) =>
  epochMs === null || epochMs === undefined ? NaN : Number(epochMs) - performance.timeOrigin;

/** A line in the style of `target()` for a figure that has no target. */
function info(label, value, note = '') {
  return `  info  ${label.padEnd(44)} ${String(value).padStart(12)}   ${note}`;
}
const line = (label, s, note = '') =>
  `    ${label.padEnd(34)} p50 ${ms(s.p50).padStart(9)}  p90 ${ms(s.p90).padStart(9)}  p99 ${ms(s.p99).padStart(9)}  max ${ms(s.max).padStart(9)}${note ? `  ${note}` : ''}`;

/** Runs `work(i)` for i in 1..count with `clients` at once. */
async function pool(count, clients, work) {
  let next = 1;
  await Promise.all(
    Array.from({ length: Math.min(clients, count) }, async () => {
      while (next <= count) await work(next++);
    }),
  );
}

await runBench(async () => {
  // When each BMC request arrived (before its latency), per simulated machine: query, on, confirm.
  const bmcCalls = new Map();
  const sim = await SimBmcServer.start({
    latencyMs: (c) => {
      if (!bmcCalls.has(c.id)) bmcCalls.set(c.id, []);
      bmcCalls.get(c.id).push(performance.now());
      return latencyMs;
    },
  });
  onCleanup(() => sim.close());
  for (let i = 1; i <= machines; i++) sim.add(simIdOf(i));

  const extraEnv = {
    ...(values.pool ? { FERRUM_DB_POOL_SIZE: values.pool } : {}),
    ...(values['rack-concurrency'] ? { FERRUM_RACK_POWER_MAX_CONCURRENT: values['rack-concurrency'] } : {}),
  };
  const region = await startRegion({ inspect: values.profile, extraEnv });
  const profiler = values.profile ? await region.profiler() : undefined;
  const key = region.createAdmin();
  const db = await region.sql();
  const pid = regionPid(region.dataDir);

  const setupAgent = new Agent({ connections: createClients, pipelining: 1, keepAliveTimeout: 60_000 });
  onCleanup(() => setupAgent.close());
  async function call(method, path, { body, dispatcher = setupAgent } = {}) {
    const t = performance.now();
    const r = await request(`${region.api}${path}`, {
      method,
      dispatcher,
      headers: {
        authorization: oauthHeader(key),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { body }),
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    const text = await r.body.text();
    return { status: r.statusCode, text, started: t, ended: performance.now() };
  }
  const json = (r, what) => {
    if (r.status !== 200) throw new Error(`${what} answered ${r.status}: ${r.text.slice(0, 300)}`);
    return JSON.parse(r.text);
  };

  // The all-in-one rack connects after the API answers: wait until it reports the sim driver.
  process.stderr.write('waiting for the rack to report the sim power type…\n');
  const rackT0 = performance.now();
  let racks = [];
  for (;;) {
    const types = await call('GET', '/rackcontrollers/?op=describe_power_types');
    if (types.status === 200 && JSON.parse(types.text).some((t) => t.name === 'sim')) {
      racks = json(await call('GET', '/rackcontrollers/'), 'GET rackcontrollers/');
      break;
    }
    if (performance.now() - rackT0 > 60_000)
      throw new Error(
        `no rack reported the sim power type within 60 s (last answer ${types.status}: ${types.text.slice(0, 200)})`,
      );
    await sleep(100);
  }
  const rackMs = performance.now() - rackT0;

  process.stderr.write(`creating ${machines} sim machines through the API (${createClients} clients)…\n`);
  const systemIds = new Array(machines + 1);
  const simIdBySystemId = new Map();
  const createT0 = performance.now();
  await pool(machines, createClients, async (i) => {
    const body = new URLSearchParams({
      architecture: 'amd64/generic',
      mac_addresses: macOf(i),
      hostname: hostnameOf(i),
      power_type: 'sim',
      power_parameters_power_address: sim.url,
      power_parameters_power_id: simIdOf(i),
      commission: 'false',
    }).toString();
    const m = json(await call('POST', '/machines/', { body }), `create ${hostnameOf(i)}`);
    if (m.status !== STATUS.NEW || m.power_type !== 'sim')
      throw new Error(`created ${hostnameOf(i)} as status ${m.status}, power type ${m.power_type}`);
    systemIds[i] = m.system_id;
    simIdBySystemId.set(m.system_id, simIdOf(i));
  });
  const createS = (performance.now() - createT0) / 1000;

  process.stderr.write('marking them broken (power_on is allowed there)…\n');
  const brokenT0 = performance.now();
  await pool(machines, createClients, async (i) => {
    const m = json(
      await call('POST', `/machines/${systemIds[i]}/?op=mark_broken`, { body: 'comment=bench' }),
      `mark_broken ${systemIds[i]}`,
    );
    if (m.status !== STATUS.BROKEN) throw new Error(`mark_broken left ${systemIds[i]} in status ${m.status}`);
  });
  const brokenS = (performance.now() - brokenT0) / 1000;
  const stored = (
    await db.query(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE power_parameters->>'power_address' = $1
                                 AND power_parameters->>'power_id' LIKE 'sim-%')::int AS params_ok,
              count(*) FILTER (WHERE power_state = 'on')::int AS on_before
         FROM machines WHERE power_type = 'sim'`,
      [sim.url],
    )
  ).rows[0];
  if (stored.n !== machines || stored.params_ok !== machines)
    throw new Error(
      `stored sim machines: ${JSON.stringify(stored)}, expected ${machines} with their parameters`,
    );
  const switchedBefore = [...simIdBySystemId.values()].filter((id) => sim.history(id).length > 0).length;
  if (switchedBefore > 0)
    throw new Error(`${switchedBefore} simulated machines switched before the measured phase`);

  // ------------------------------------------------------------ the measured phase
  const bmcOnAt = new Map();
  const bmcSwitches = new Map();
  sim.on('power', (event) => {
    bmcSwitches.set(event.id, (bmcSwitches.get(event.id) ?? 0) + 1);
    if (event.state === 'on' && !bmcOnAt.has(event.id)) bmcOnAt.set(event.id, performance.now());
  });
  const fireAgent = new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const pollAgent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  onCleanup(() => fireAgent.close());
  onCleanup(() => pollAgent.close());
  const calledAt = new Map();
  const answeredAt = new Map();
  const listedAt = new Map();
  const answers = new Map();
  const sampleErrors = [];
  const lists = [];
  let peakRss = memoryOf(pid).rss;
  const rssBefore = peakRss;
  const simRequestsBefore = sim.requests;

  process.stderr.write(
    `powering on ${machines} machines at once (concurrency ${concurrency}, BMC latency ${latencyMs} ms)…\n`,
  );
  bmcCalls.clear();
  await profiler?.start();
  const cpuBefore = region.cpu();
  const t0 = performance.now();
  const deadline = t0 + timeoutS * 1000;
  let firing = true;
  let settledStates = { on: 0, error: 0 };

  const polling = (async () => {
    for (;;) {
      const r = await call('GET', '/machines/', { dispatcher: pollAgent });
      if (r.status !== 200) throw new Error(`GET machines/ answered ${r.status}: ${r.text.slice(0, 200)}`);
      const list = JSON.parse(r.text);
      lists.push({ ms: r.ended - r.started, size: Buffer.byteLength(r.text) });
      settledStates = { on: 0, error: 0 };
      for (const m of list) {
        if (m.power_type !== 'sim') continue;
        if (m.power_state === 'on') {
          settledStates.on++;
          if (!listedAt.has(m.system_id)) listedAt.set(m.system_id, r.ended);
        } else if (m.power_state === 'error') settledStates.error++;
      }
      peakRss = Math.max(peakRss, memoryOf(pid).rss);
      if (!firing && settledStates.on + settledStates.error >= machines) return;
      if (performance.now() > deadline) {
        process.stderr.write(
          `timed out after ${timeoutS} s: ${JSON.stringify(settledStates)} of ${machines}\n`,
        );
        return;
      }
      await sleep(Math.max(0, pollMs - (performance.now() - r.started)));
    }
  })();

  await pool(machines, concurrency, async (i) => {
    const id = systemIds[i];
    calledAt.set(id, performance.now());
    const r = await call('POST', `/machines/${id}/?op=power_on`, {
      body: 'comment=bench',
      dispatcher: fireAgent,
    });
    answeredAt.set(id, r.ended);
    answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
    if (r.status !== 200 && sampleErrors.length < 5)
      sampleErrors.push(`power_on ${id}: ${r.status} ${r.text.slice(0, 200)}`);
  });
  const firedS = (performance.now() - t0) / 1000;
  firing = false;
  await polling;
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = cpuSpent(cpuBefore, region.cpu(), elapsedS);
  const profile = profiler ? await profiler.stop() : undefined;
  const simRequests = sim.requests - simRequestsBefore;
  const memoryAfter = memoryOf(pid);

  // The region's own record and its power jobs' timestamps, read at once (the power poller may
  // later overwrite power_state_updated of a few).
  const rows = (
    await db.query(
      `SELECT m.system_id, m.power_state,
              extract(epoch FROM m.power_state_updated) * 1000 AS recorded,
              extract(epoch FROM j.created_on) * 1000 AS created,
              extract(epoch FROM j.started_on) * 1000 AS started,
              extract(epoch FROM j.completed_on) * 1000 AS completed,
              j.state AS job_state, j.retry_count
         FROM machines m
         LEFT JOIN pgboss.job j ON j.name = 'power' AND j.data->>'systemId' = m.system_id
        WHERE m.power_type = 'sim'`,
    )
  ).rows;
  const failedEvents = (
    await db.query(`SELECT count(*)::int AS n FROM events WHERE type LIKE 'Failed to power%'`)
  ).rows[0].n;

  // ------------------------------------------------------------ figures
  const steps = { toRack: [], queryOn: [], onConfirm: [], confirmRecorded: [], recordedCompleted: [] };
  let notThreeCalls = 0;
  const seg = {
    accept: [],
    callBmc: [],
    callRecorded: [],
    callListed: [],
    queue: [],
    startBmc: [],
    bmcRecorded: [],
    recordedListed: [],
    jobRun: [],
  };
  let jobs = 0;
  let retried = 0;
  let jobsNotCompleted = 0;
  let recordedAfterListed = 0;
  const intervals = [];
  for (const r of rows) {
    const id = r.system_id;
    const called = calledAt.get(id);
    const answered = answeredAt.get(id);
    const bmc = bmcOnAt.get(simIdBySystemId.get(id));
    const listed = listedAt.get(id);
    const recorded = perf(r.recorded);
    const started = perf(r.started);
    const completed = perf(r.completed);
    if (answered !== undefined) seg.accept.push(answered - called);
    if (bmc !== undefined) seg.callBmc.push(bmc - called);
    if (listed !== undefined) seg.callListed.push(listed - called);
    if (r.job_state !== null) jobs++;
    if (r.retry_count > 0) retried++;
    if (r.job_state !== 'completed') jobsNotCompleted++;
    if (Number.isFinite(started)) {
      if (answered !== undefined) seg.queue.push(started - answered);
      if (bmc !== undefined) seg.startBmc.push(bmc - started);
      if (Number.isFinite(completed)) {
        seg.jobRun.push(completed - started);
        intervals.push([started, completed]);
      }
    }
    // The rack's three BMC requests of a power on (query, on, confirming query), when the
    // power poller did not ask this machine too during the phase.
    const sent = bmcCalls.get(simIdBySystemId.get(id)) ?? [];
    if (sent.length !== 3) notThreeCalls++;
    else if (Number.isFinite(started) && Number.isFinite(recorded) && Number.isFinite(completed)) {
      steps.toRack.push(sent[0] - started);
      steps.queryOn.push(sent[1] - sent[0]);
      steps.onConfirm.push(sent[2] - sent[1]);
      steps.confirmRecorded.push(recorded - sent[2]);
      steps.recordedCompleted.push(completed - recorded);
    }
    if (r.power_state === 'on' && Number.isFinite(recorded)) {
      if (listed !== undefined && recorded > listed) recordedAfterListed++;
      else {
        seg.callRecorded.push(recorded - called);
        if (bmc !== undefined) seg.bmcRecorded.push(recorded - bmc);
        if (listed !== undefined) seg.recordedListed.push(listed - recorded);
      }
    }
  }
  // The most power jobs running at once (from their started/completed times).
  const edges = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const starts = intervals.map(([a]) => a).sort((a, b) => a - b);
  const firstStarted = starts[0] ?? NaN;
  const fullAt = starts[Math.min(31, starts.length - 1)] ?? NaN;
  let running = 0;
  let maxRunning = 0;
  for (const [, d] of edges) maxRunning = Math.max(maxRunning, (running += d));

  const S = Object.fromEntries(Object.entries(seg).map(([k, v]) => [k, stats(v)]));
  const T = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, stats(v)]));
  const ok200 = answers.get(200) ?? 0;
  const bmcOn = [...simIdBySystemId.values()].filter((id) => sim.state(id) === 'on').length;
  const switchedOnce = [...simIdBySystemId.values()].filter((id) => bmcSwitches.get(id) === 1).length;
  const lastOf = (m) => Math.max(...m.values());
  const span = (end) => (end - t0) / 1000;
  const bmcSpan = bmcOnAt.size ? span(lastOf(bmcOnAt)) : NaN;
  const recordedTimes = rows.map((r) => perf(r.recorded)).filter(Number.isFinite);
  const recordedSpan = recordedTimes.length ? span(Math.max(...recordedTimes)) : NaN;
  const listedSpan = listedAt.size ? span(lastOf(listedAt)) : NaN;
  const listStats = stats(lists.map((l) => l.ms));

  const out = [];
  const results = [];
  out.push('');
  out.push(
    `bench power — ${machines} machines with the sim driver (BMC latency ${latencyMs} ms a call), ` +
      `${racks.length} rack (all-in-one, in the region process); all ${machines} power_on calls fired at once ` +
      `(client concurrency ${concurrency})`,
  );
  out.push(
    `  setup: the rack reported the sim power type ${(rackMs / 1000).toFixed(1)} s after the API answered; ` +
      `${machines} machines created through the API in ${createS.toFixed(1)} s (${(machines / createS).toFixed(0)}/s, ` +
      `${createClients} clients), marked broken in ${brokenS.toFixed(1)} s (${(machines / brokenS).toFixed(0)}/s)`,
  );
  out.push('');
  out.push(
    `  power_on answered: ${[...answers].map(([s, n]) => `${n}× ${s}`).join(', ')} — all answered within ${firedS.toFixed(2)} s ` +
      `(${(machines / firedS).toFixed(0)} calls/s)`,
  );
  for (const e of sampleErrors) out.push(`    e.g. ${e}`);
  out.push('  from the API call (each machine its own clock):');
  out.push(line('API answer (accept latency)', S.accept));
  out.push(line('(a) BMC switched on', S.callBmc, `n=${S.callBmc.n}`));
  out.push(line('(b) region recorded power_state on', S.callRecorded, `n=${S.callRecorded.n}`));
  out.push(
    line(
      '(c) API lists power_state on',
      S.callListed,
      `n=${S.callListed.n}; GET machines/ every ${pollMs} ms, each took p50 ${ms(listStats.p50)} (${bytes(lists[0]?.size ?? 0)}, ${lists.length} lists)`,
    ),
  );
  out.push('  where the time goes (pg-boss job timestamps):');
  out.push(line('API answer → power job started', S.queue, `(waiting in the job queue)`));
  out.push(line('job started → BMC on', S.startBmc, `(load, route, event, RPC, rack query + on)`));
  out.push(line('BMC on → recorded on', S.bmcRecorded, `(rack confirming query, RPC answer, write)`));
  out.push(line('recorded → listed by the API', S.recordedListed, `(poll interval + list time)`));
  out.push(line('power job run (started → completed)', S.jobRun));
  out.push(`    inside one power job (n=${T.toRack.n}; ${notThreeCalls} machines also polled, left out):`);
  out.push(line('  job started → 1st BMC request', T.toRack, '(load, route, event, RPC to the rack)'));
  out.push(line('  query sent → on sent', T.queryOn, `(${latencyMs} ms BMC latency, answer, next call)`));
  out.push(line('  on sent → confirming query sent', T.onConfirm));
  out.push(line('  confirming query sent → recorded', T.confirmRecorded, '(BMC latency, RPC answer, write)'));
  out.push(line('  recorded → job completed', T.recordedCompleted, '(pg-boss completion)'));
  out.push(
    `    power jobs: ${jobs} (${retried} retried, ${jobsNotCompleted} not completed); the first started ` +
      `${ms(firstStarted - t0)} after the first call, job no. ${Math.min(32, starts.length)} after ${ms(fullAt - t0)}; ` +
      `at most ${maxRunning} running at once ` +
      `(the region works the power queue 32 at a time; the rack runs ${values['rack-concurrency'] ?? 32} at once)`,
  );
  if (recordedAfterListed > 0)
    out.push(
      `    ${recordedAfterListed} machines re-recorded by the power poller after the phase: left out of (b)`,
    );
  out.push('  throughput:');
  out.push(
    `    BMC switches: ${bmcOnAt.size} in ${bmcSpan.toFixed(2)} s = ${(bmcOnAt.size / bmcSpan).toFixed(0)} actions/s; ` +
      `recorded on: ${recordedTimes.length} by ${recordedSpan.toFixed(2)} s = ${(recordedTimes.length / recordedSpan).toFixed(0)}/s; ` +
      `listed on by ${listedSpan.toFixed(2)} s`,
  );
  out.push(`    BMC requests: ${simRequests} (${(simRequests / machines).toFixed(2)} a machine)`);
  out.push(`    ${cpu}`);
  out.push(
    `    region RSS: ${bytes(rssBefore)} before, ${bytes(peakRss)} at most during, ${bytes(memoryAfter.rss)} after ` +
      `(process peak ${bytes(memoryAfter.peak)})`,
  );
  out.push('');
  out.push('  figures (the issue sets no target):');
  out.push(info('power actions/s (BMC switched on)', `${(bmcOnAt.size / bmcSpan).toFixed(0)}/s`));
  out.push(
    info(
      'API call → power_state on, p50 / p99',
      `${ms(S.callListed.p50)} / ${ms(S.callListed.p99)}`,
      'as listed by the API',
    ),
  );
  out.push(
    info('API call → region recorded on, p50 / p99', `${ms(S.callRecorded.p50)} / ${ms(S.callRecorded.p99)}`),
  );
  out.push(info('total: first call → last machine listed on', `${listedSpan.toFixed(2)} s`));
  out.push('  checks:');
  out.push(target(results, 'power_on calls answered 200', `${ok200}/${machines}`, ok200 === machines, 'all'));
  out.push(target(results, 'machines on at their BMC', `${bmcOn}/${machines}`, bmcOn === machines, 'all'));
  out.push(
    target(
      results,
      'machines switched exactly once',
      `${switchedOnce}/${machines}`,
      switchedOnce === machines,
      'all',
    ),
  );
  out.push(
    target(
      results,
      'machines the API lists on',
      `${listedAt.size}/${machines}`,
      listedAt.size === machines,
      'all, within --timeout',
    ),
  );
  out.push(
    target(
      results,
      'power errors (state error, failed events)',
      `${settledStates.error + failedEvents}`,
      settledStates.error + failedEvents === 0,
      '0',
    ),
  );
  console.log(out.join('\n'));
  if (profile) {
    console.log('\n  region CPU profile — the measured phase:');
    console.log(summariseProfile(profile, 25).join('\n'));
  }
  if (results.some((x) => !x.ok)) process.exitCode = 1;
});
