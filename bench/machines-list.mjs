#!/usr/bin/env node
// Machines list benchmark: a real region on a fresh data dir, N machines (4 interfaces, 4 block
// devices, tags, events each) bulk-seeded in SQL, then
//   1. signed GET machines/ (everything), sequential runs: p50/p99, time to first byte, size;
//   2. filtered GET machines/?hostname= / ?mac_address= / ?id= under C concurrent clients.
// Usage: npm run bench -- machines-list [--machines 10000] [--seconds 10] [--runs 5] [--clients 10]
//        [--events 3] [--profile] [--pool N] [--source sql|sim]
// --source sim: the database is built by the machine simulator instead of SQL: N simulated
// machines created through the API, each commissioned to Ready over the metadata API (their
// inventory from the simulator's hardware profiles, their events and script results as real
// commissioning leaves them); the list and filter phases then run on that database.
// --seconds is per phase (the full list runs at least --runs times, more while time remains).
// --profile takes CPU profiles of the region (inspector) during the list and the filter phases
// and prints where the time went (profiling slows the region a little).
// --pool: FERRUM_DB_POOL_SIZE for the region (default: the region's own, 20).
import { Buffer } from 'node:buffer';
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
  waitForRack,
} from './support/region.mjs';
import { hostnameOf, macOf, seedMachines, systemIdOf } from './support/seed.mjs';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    clients: { type: 'string', default: '10' },
    events: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    pool: { type: 'string' },
    source: { type: 'string', default: 'sql' },
  },
});
if (!['sql', 'sim'].includes(values.source)) {
  process.stderr.write(`--source must be sql or sim, got ${values.source}\n`);
  process.exit(2);
}
const machines = Number(values.machines);
const seconds = Number(values.seconds);
const minRuns = Number(values.runs);
const clients = Number(values.clients);
const eventsPerMachine = Number(values.events);

const LIST_P50_MS = 1000;
const FILTER_P50_MS = 20;

await runBench(async () => {
  const region = await startRegion({
    inspect: values.profile,
    extraEnv: values.pool ? { FERRUM_DB_POOL_SIZE: values.pool } : {},
  });
  const profiler = values.profile ? await region.profiler() : undefined;
  const profiles = [];
  const key = region.createAdmin();
  const db = await region.sql();
  const adminId = (await db.query('SELECT id FROM users WHERE username = $1', [key.username])).rows[0].id;
  const built =
    values.source === 'sim'
      ? await simulate(region, key, db)
      : await (async () => {
          process.stderr.write(`seeding ${machines} machines…\n`);
          const seeded = await seedMachines(db, {
            count: machines,
            mode: 'list',
            ownerId: adminId,
            events: eventsPerMachine,
          });
          return {
            seeded,
            hostnameOf,
            macOf: (g) => macOf(g, 2),
            systemIdOf,
            detailed: (m) =>
              m.interface_set.length === 4 && m.blockdevice_set.length === 4 && m.tag_names.length > 0,
          };
        })();
  const { seeded } = built;

  const agent = new Agent({ connections: Math.max(clients, 1), pipelining: 1, keepAliveTimeout: 60_000 });
  onCleanup(() => agent.close());
  const listUrl = `${region.api}/machines/`;

  /** One signed GET; the body is counted as it streams (no decoding on the timed path). */
  async function get(url, keepBody = false) {
    const t = performance.now();
    const r = await request(url, { dispatcher: agent, headers: { authorization: oauthHeader(key) } });
    const ttfb = performance.now() - t;
    let size = 0;
    const chunks = keepBody ? [] : undefined;
    for await (const chunk of r.body) {
      size += chunk.length;
      chunks?.push(chunk);
    }
    const total = performance.now() - t;
    return { status: r.statusCode, ttfb, total, size, body: chunks ? Buffer.concat(chunks) : undefined };
  }

  // Warm-up and correctness: every machine listed, with its interfaces, devices and tags.
  process.stderr.write('warm-up list and checks…\n');
  const first = await get(listUrl, true);
  if (first.status !== 200)
    throw new Error(`GET machines/ answered ${first.status}: ${first.body.slice(0, 300)}`);
  const tParse = performance.now();
  const list = JSON.parse(first.body.toString('utf8'));
  const clientParseMs = performance.now() - tParse;
  if (list.length !== machines)
    throw new Error(`GET machines/ listed ${list.length} machines, seeded ${machines}`);
  const sample = list[Math.floor(machines / 2)];
  if (!built.detailed(sample))
    throw new Error(`machine JSON lacks seeded detail: ${JSON.stringify(sample).slice(0, 300)}`);

  // 1. Full list, sequential.
  process.stderr.write(`full list: at least ${minRuns} runs, up to ${seconds} s…\n`);
  const runs = [];
  await profiler?.start();
  const listCpuBefore = region.cpu();
  const listT0 = performance.now();
  const listDeadline = performance.now() + seconds * 1000;
  while (runs.length < minRuns || (performance.now() < listDeadline && runs.length < 200)) {
    const r = await get(listUrl);
    if (r.status !== 200) throw new Error(`GET machines/ answered ${r.status}`);
    runs.push(r);
  }
  const listCpu = cpuSpent(listCpuBefore, region.cpu(), (performance.now() - listT0) / 1000);
  if (profiler) profiles.push({ phase: `full list (${runs.length} runs)`, profile: await profiler.stop() });
  const listTotal = stats(runs.map((r) => r.total));
  const listTtfb = stats(runs.map((r) => r.ttfb));
  const size = runs[0].size;

  // 2. Filtered lists under concurrency, one machine each (random), answers checked.
  const filters = [
    { name: 'hostname', url: (g) => `${listUrl}?hostname=${built.hostnameOf(g)}` },
    { name: 'mac_address', url: (g) => `${listUrl}?mac_address=${encodeURIComponent(built.macOf(g))}` },
    { name: 'id', url: (g) => `${listUrl}?id=${built.systemIdOf(g)}` },
  ];
  const filterResults = [];
  for (const filter of filters) {
    process.stderr.write(`filter ${filter.name}=: ${clients} clients, ${seconds} s…\n`);
    const pick = () => 1 + Math.floor(Math.random() * machines);
    // Warm-up for this query shape.
    await Promise.all(Array.from({ length: clients }, () => get(filter.url(pick()))));
    const latencies = [];
    let errors = 0;
    let wrong = 0;
    await profiler?.start();
    const cpuBefore = region.cpu();
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          const g = pick();
          const r = await get(filter.url(g), true);
          latencies.push(r.total);
          if (r.status !== 200) {
            errors++;
            continue;
          }
          const found = JSON.parse(r.body.toString('utf8'));
          if (found.length !== 1 || found[0].system_id !== built.systemIdOf(g)) wrong++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuSpent(cpuBefore, region.cpu(), elapsed);
    if (profiler)
      profiles.push({ phase: `?${filter.name}= (${clients} clients)`, profile: await profiler.stop() });
    filterResults.push({
      name: filter.name,
      ...stats(latencies),
      errors,
      wrong,
      rate: latencies.length / elapsed,
      cpu,
    });
  }

  const results = [];
  const out = [];
  out.push('');
  out.push(
    `bench machines-list — ${machines} machines (${seeded.interfaces} interfaces, ${seeded.block_devices} block devices, ` +
      `${seeded.machine_tags} machine tags, ${seeded.events} events), ` +
      (values.source === 'sim'
        ? `built by the simulator (created and commissioned to Ready) in ${(seeded.ms / 1000).toFixed(1)} s`
        : `seeded in ${seeded.ms.toFixed(0)} ms`),
  );
  out.push(
    `  region start: ${region.startMs.toFixed(0)} ms; signed requests (OAuth PLAINTEXT, fresh nonce each)`,
  );
  out.push('');
  out.push(`  GET machines/ (all ${machines}), ${runs.length} sequential runs after 1 warm-up:`);
  out.push(
    `    total     p50 ${ms(listTotal.p50)}  p99 ${ms(listTotal.p99)}  min ${ms(listTotal.min)}  max ${ms(listTotal.max)}`,
  );
  out.push(
    `    1st byte  p50 ${ms(listTtfb.p50)}  p99 ${ms(listTtfb.p99)}   (the server answers only once all is built)`,
  );
  out.push(
    `    response  ${bytes(size)} (${(size / machines / 1000).toFixed(1)} kB/machine, uncompressed); ` +
      `client JSON.parse of it: ${ms(clientParseMs)}`,
  );
  out.push(`    ${listCpu}`);
  out.push(`    rate      ${((size / 1e6) * (1000 / listTotal.p50)).toFixed(0)} MB/s at p50`);
  out.push('');
  out.push(
    `  filtered GET machines/?… (one machine each, random), ${clients} concurrent clients, ${seconds} s each:`,
  );
  for (const f of filterResults)
    out.push(
      `    ${(f.name + '=').padEnd(13)} p50 ${ms(f.p50).padStart(9)}  p99 ${ms(f.p99).padStart(9)}  max ${ms(f.max).padStart(9)}  ` +
        `${f.rate.toFixed(0).padStart(5)} req/s  n=${f.n}  errors ${f.errors}  wrong answers ${f.wrong}`,
    );
  for (const f of filterResults) out.push(`    ${(f.name + '=').padEnd(13)} ${f.cpu}`);
  out.push('');
  out.push('  targets:');
  out.push(
    target(
      results,
      `GET machines/ p50 (${machines} machines)`,
      ms(listTotal.p50),
      listTotal.p50 <= LIST_P50_MS,
      `≤ ${LIST_P50_MS} ms`,
    ),
  );
  for (const f of filterResults)
    out.push(
      target(
        results,
        `GET machines/?${f.name}= p50 (${clients} clients)`,
        ms(f.p50),
        f.p50 <= FILTER_P50_MS,
        `≤ ${FILTER_P50_MS} ms`,
      ),
    );
  for (const f of filterResults)
    out.push(
      target(
        results,
        `?${f.name}= errors + wrong answers`,
        f.errors + f.wrong,
        f.errors + f.wrong === 0,
        '0',
      ),
    );
  console.log(out.join('\n'));

  for (const { phase, profile } of profiles) {
    console.log(`\n  region CPU profile — ${phase}:`);
    console.log(summariseProfile(profile, 20).join('\n'));
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
});

/**
 * --source sim: N machines from the simulator, commissioned to Ready over the metadata API.
 * Machine g (1-based, as the seeded ones) is the simulator's index g - 1.
 */
async function simulate(region, key, db) {
  const { MachineSimulator, simHardware } = await import('../packages/sim/dist/index.js');
  await waitForRack(db);
  const t0 = performance.now();
  process.stderr.write(`building ${machines} machines with the simulator (create, commission to Ready)…\n`);
  const systemIds = new Array(machines);
  const simulator = await MachineSimulator.start({
    url: `${region.base}/MAAS/`,
    apiKey: `${key.consumerKey}:${key.tokenKey}:${key.tokenSecret}`,
    machines,
    hardware: (index) => simHardware(index, 1, 'list'),
    hostnamePrefix: 'list',
    createConcurrency: 32,
    onCreated: (systemId, index) => {
      systemIds[index] = systemId;
    },
  });
  onCleanup(() => simulator.stop());
  for (let last = ''; ;) {
    const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM machines GROUP BY status`);
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const ready = byStatus[4] ?? 0;
    const failed = byStatus[2] ?? 0;
    const line = `  ${ready} Ready, ${failed} failed commissioning of ${machines}`;
    if (line !== last) process.stderr.write(`${line}\n`);
    last = line;
    if (ready + failed >= machines) {
      if (failed > 0) throw new Error(`${failed} machines failed commissioning`);
      break;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  // As a database that has run a while has from autovacuum: the planner's statistics and the
  // visibility map are those of the machines just commissioned (every row of which was updated
  // many times), not of empty tables. The SQL seed writes each row once, in bulk.
  await db.query('VACUUM ANALYZE');
  const count = async (table) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
  const seeded = {
    interfaces: await count('interfaces'),
    block_devices: await count('block_devices'),
    machine_tags: await count('machine_tags'),
    events: await count('events'),
    ms: performance.now() - t0,
  };
  const hardware = (g) => simHardware(g - 1, 1, 'list');
  return {
    seeded,
    hostnameOf: (g) => `list-${g - 1}`,
    macOf: (g) => hardware(g).macs.at(-1),
    systemIdOf: (g) => systemIds[g - 1],
    detailed: (m) => {
      const h = hardware(Number(m.hostname.slice('list-'.length)) + 1);
      return (
        m.interface_set.length === h.macs.length &&
        m.blockdevice_set.length === h.document.resources.storage.disks.length
      );
    },
  };
}
