#!/usr/bin/env node
// Lifecycle benchmark: a real all-in-one region (`ferrum start`: embedded PostgreSQL, its own
// rack with the fixture boot images, so deploys pass the OS check) and the machine simulator
// (packages/sim) in this process. N simulated machines are created through the MAAS API, all at
// once; each commissions by itself (the region powers it on through the rack's sim driver, the
// simulated machine does the metadata exchange: scripts, results, its resources document) and
// reaches Ready. Then all N are deployed at once (op=deploy from Ready allocates first); each
// plays curtin and cloud-init over the metadata API and reaches Deployed.
// Figures: per phase, the total time and per machine p50/p99 (from its API call to the status,
// read from machine_status_history), region CPU and peak RSS.
// Targets (the issue's): 1,000 commissioned ≤ 60 s; region RSS ≤ 500 MB.
// Usage: npm run bench -- lifecycle [--machines 1000] [--create-clients 32] [--deploy-clients 64]
//        [--timeout 600] [--step-ms 0] [--seed 1] [--profile]
// --profile: a CPU profile of the region (inspector) during commissioning, summarised at the end.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  cpuSpent,
  ms,
  onCleanup,
  runBench,
  startRegion,
  stats,
  summariseProfile,
  target,
  waitForRack,
} from './support/region.mjs';
import { writeFileSync } from 'node:fs';
import { memoryOf, regionPid, syscallsOf } from './support/proc-memory.mjs';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '1000' },
    'create-clients': { type: 'string', default: '32' },
    'deploy-clients': { type: 'string', default: '64' },
    timeout: { type: 'string', default: '600' },
    'step-ms': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
  },
});
const machines = Number(values.machines);
const createClients = Number(values['create-clients']);
const deployClients = Number(values['deploy-clients']);
const timeoutMs = Number(values.timeout) * 1000;
const stepMs = Number(values['step-ms']);
const seed = Number(values.seed);
function usage(message) {
  process.stderr.write(`bench lifecycle: ${message}\n`);
  process.exit(2);
}
if (!Number.isInteger(machines) || machines < 1 || machines > 100_000)
  usage('--machines must be 1 to 100000');
for (const [name, v] of [
  ['--create-clients', createClients],
  ['--deploy-clients', deployClients],
])
  if (!Number.isInteger(v) || v < 1) usage(`${name} must be a positive integer`);
if (!(timeoutMs > 0)) usage('--timeout must be a positive number of seconds');
if (!(stepMs >= 0)) usage('--step-ms must be ≥ 0');

const { MachineSimulator, simHardware } = await import('../packages/sim/dist/index.js');
const imageDir = fileURLToPath(new URL('../apps/rack/test/fixtures/images', import.meta.url));
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const STATUS = { READY: 4, DEPLOYED: 6, FAILED_COMMISSIONING: 2, FAILED_DEPLOYMENT: 11 };
const line = (label, s) =>
  `    ${label.padEnd(40)} p50 ${ms(s.p50).padStart(10)}  p90 ${ms(s.p90).padStart(10)}  p99 ${ms(s.p99).padStart(10)}  max ${ms(s.max).padStart(10)}  n=${s.n}`;

await runBench(async () => {
  const region = await startRegion({
    inspect: values.profile,
    extraEnv: { FERRUM_RACK_IMAGE_DIR: imageDir },
  });
  const profiler = values.profile ? await region.profiler() : undefined;
  const key = region.createAdmin();
  const db = await region.sql();
  const pid = regionPid(region.dataDir);
  const apiKey = `${key.consumerKey}:${key.tokenKey}:${key.tokenSecret}`;
  const results = [];
  let peakRss = memoryOf(pid).rss;
  const rssBefore = peakRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, memoryOf(pid).rss);
  }, 250);
  onCleanup(() => clearInterval(sampler));

  await waitForRack(db);

  /** Machines by status, and each machine's first arrival in `status` (epoch ms) since `since`. */
  async function arrivals(status, since) {
    const { rows } = await db.query(
      `SELECT m.system_id, min(h.created) AS at
         FROM machine_status_history h JOIN machines m ON m.id = h.machine_id
        WHERE h.to_status = $1 AND h.created >= $2 GROUP BY m.system_id`,
      [status, new Date(since)],
    );
    return new Map(rows.map((r) => [r.system_id, new Date(r.at).getTime()]));
  }
  /** Transactions committed or rolled back in the region's database so far (autocommit statements included). */
  async function transactions() {
    const { rows } = await db.query(
      `SELECT (xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Number(rows[0].n);
  }
  /** Per phase: the database's transactions and the region's write system calls, per machine. */
  function roundTrips(x0, x1, io0, io1) {
    return `database: ${x1 - x0} transactions (${((x1 - x0) / machines).toFixed(0)} per machine); region: ${io1.writes - io0.writes} write system calls (${((io1.writes - io0.writes) / machines).toFixed(0)} per machine)`;
  }
  async function counts() {
    const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM machines GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
  /** Until `expected` machines are in `status` or failed (a refused deploy call leaves one Ready). */
  async function waitFor(status, what, deadline, expected = machines) {
    for (;;) {
      const c = await counts();
      const done = c[status] ?? 0;
      const failed = (c[STATUS.FAILED_COMMISSIONING] ?? 0) + (c[STATUS.FAILED_DEPLOYMENT] ?? 0);
      if (done + failed >= expected) return { done, failed };
      if (Date.now() > deadline)
        throw new Error(`${what}: ${done} of ${machines} after the timeout (${JSON.stringify(c)})`);
      await sleep(200);
    }
  }

  // ------------------------------------------------------------ commissioning
  process.stderr.write(`creating ${machines} simulated machines; each commissions by itself…\n`);
  await profiler?.start();
  const cpu0 = region.cpu();
  const [x0, io0] = [await transactions(), syscallsOf(pid)];
  const t0 = Date.now();
  const createdAt = new Map();
  const simulator = await MachineSimulator.start({
    url: region.base,
    apiKey,
    machines,
    hardware: (i) => simHardware(i, seed),
    createConcurrency: createClients,
    stepMs,
    onCreated: (systemId) => createdAt.set(systemId, Date.now()),
    log: (l) => process.stderr.write(`  sim: ${l}\n`),
  });
  onCleanup(() => simulator.stop());
  const createdS = (Date.now() - t0) / 1000;
  const commissioned = await waitFor(STATUS.READY, 'commissioning', t0 + timeoutMs);
  const commissionS = (Date.now() - t0) / 1000;
  const cpu1 = region.cpu();
  const io1 = syscallsOf(pid);
  // Statistics reach pg_stat_database within a second of a backend going idle.
  await sleep(1100);
  const x1 = await transactions();
  const ready = await arrivals(STATUS.READY, t0);
  const perCommission = [...ready].map(([id, at]) => at - (createdAt.get(id) ?? t0));
  const inventory = (
    await db.query(
      `SELECT count(*) FILTER (WHERE cpu_count > 0 AND memory > 0)::int AS with_hardware,
              (SELECT count(*)::int FROM block_devices) AS disks FROM machines`,
    )
  ).rows[0];

  // ------------------------------------------------------------ deployment
  const commissioningProfile = await profiler?.stop();
  process.stderr.write(`deploying the ${commissioned.done} Ready machines at once…\n`);
  const ids = simulator.systemIds;
  const t1 = Date.now();
  const calledAt = new Map();
  let next = 0;
  let deployErrors = 0;
  const { MaasClient, credentialsOfApiKey } = await import('../packages/sim/dist/index.js');
  const client = new MaasClient(region.base, credentialsOfApiKey(apiKey), 600_000);
  await Promise.all(
    Array.from({ length: Math.min(deployClients, ids.length) }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        calledAt.set(ids[i], Date.now());
        await client
          .post(`api/2.0/machines/${ids[i]}/?op=deploy`, {
            user_data: Buffer.from('#cloud-config\n{}\n').toString('base64'),
          })
          .catch((error) => {
            deployErrors += 1;
            if (deployErrors <= 3) process.stderr.write(`  deploy ${ids[i]}: ${error.message}\n`);
          });
      }
    }),
  );
  const deployed = await waitFor(STATUS.DEPLOYED, 'deployment', t1 + timeoutMs, machines - deployErrors);
  const deployS = (Date.now() - t1) / 1000;
  const cpu2 = region.cpu();
  const io2 = syscallsOf(pid);
  await sleep(1100);
  const x2 = await transactions();
  const deployedAt = await arrivals(STATUS.DEPLOYED, t1);
  const perDeploy = [...deployedAt].map(([id, at]) => at - (calledAt.get(id) ?? t1));
  const sim = simulator.snapshot();

  // ------------------------------------------------------------ figures
  const out = [];
  out.push(
    `bench lifecycle — ${machines} simulated machines, all at once (step ${stepMs} ms), 1 rack (all-in-one)`,
  );
  out.push(
    `  commissioning: ${commissioned.done} Ready, ${commissioned.failed} failed, in ${commissionS.toFixed(1)} s (creation through the API took ${createdS.toFixed(1)} s)`,
  );
  out.push(line('created → Ready', stats(perCommission)));
  out.push(
    `    inventory: ${inventory.with_hardware} machines with CPU and memory, ${inventory.disks} block devices`,
  );
  out.push(`    ${cpuSpent(cpu0, cpu1, commissionS)}`);
  out.push(`    ${roundTrips(x0, x1, io0, io1)}`);
  out.push(
    `  deployment: ${deployed.done} Deployed, ${deployed.failed} failed, ${deployErrors} deploy calls refused, in ${deployS.toFixed(1)} s`,
  );
  out.push(line('deploy call → Deployed', stats(perDeploy)));
  out.push(`    ${cpuSpent(cpu1, cpu2, deployS)}`);
  out.push(`    ${roundTrips(x1, x2, io1, io2)}`);
  out.push(
    `  simulator: ${sim.boots} boots, ${sim.commissioned} commissioned, ${sim.deployed} deployed, ${sim.failed} failed`,
  );
  out.push(
    `  region RSS: ${(rssBefore / 1e6).toFixed(0)} MB before, ${(peakRss / 1e6).toFixed(0)} MB at most`,
  );
  out.push(
    target(
      results,
      `${machines} commissioned`,
      `${commissionS.toFixed(1)} s`,
      commissioned.done === machines && (machines < 1000 || commissionS <= 60),
      machines >= 1000 ? '≤ 60 s for 1,000, none failed' : 'all, none failed (the time target is for 1,000)',
    ),
  );
  out.push(target(results, 'deployed', `${deployed.done}/${machines}`, deployed.done === machines, 'all'));
  out.push(
    target(results, 'region peak RSS', `${(peakRss / 1e6).toFixed(0)} MB`, peakRss <= 500e6, '≤ 500 MB'),
  );
  process.stdout.write(`${out.join('\n')}\n`);
  if (commissioningProfile) {
    // The whole profile, for Chrome DevTools (Performance → Load profile) or speedscope.
    const file = `lifecycle-commissioning-${process.pid}.cpuprofile`;
    writeFileSync(file, JSON.stringify(commissioningProfile));
    process.stdout.write(
      `\n  region CPU profile — commissioning (all of it in ${file}):\n${summariseProfile(commissioningProfile, 25).join('\n')}\n`,
    );
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
});
