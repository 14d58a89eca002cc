#!/usr/bin/env node
// IPAM benchmark: a real region on a fresh data dir, two /16 subnets bulk-seeded in SQL, each
// holding 10,000 STICKY addresses spread every 6th address (so 10,000 separate runs of used
// addresses: the allocator's worst case, not a packed prefix), then:
//   1. reserve: C concurrent clients loop POST ipaddresses/?op=reserve on the first /16 (gateway
//      .0.1, dynamic range 10.100.250.0–10.100.255.254) for S seconds. The figure:
//      reservations per second with 50 clients. Checked afterwards: no address handed out twice
//      (client side and in the database), none is the gateway, network/broadcast or in the
//      dynamic range.
//   2. statistics: GET subnets/{id}/?op=statistics on the second /16, N calls one after the
//      other (after a warm-up), p50/p99 (target ≤ 50 ms). When subnets/ is not routed yet (the
//      subnets slice), the same operation is timed in process (service + JSON), and said so.
//   3. allocator query: ways of choosing a free address measured on the same subnets, straight
//      in SQL — one step of the allocator's walk from its hint (next-fit: a batch of 64 used
//      addresses in index order from where it looks), the runs of used addresses (gaps and
//      islands: what MAAS's smallest-free-block choice needs) and every used address — so the
//      choice stays a measured one.
// Usage: npm run bench -- ipam [--clients 50] [--seconds 10] [--stats-calls 200] [--profile]
// --profile: CPU profiles of the region during the reserve phase and the statistics calls, summarised.
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

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'stats-calls': { type: 'string', default: '200' },
    profile: { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const statsCalls = Number(values['stats-calls']);
if (!Number.isInteger(clients) || clients < 1) throw new Error('--clients must be a positive integer');
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
if (!Number.isInteger(statsCalls) || statsCalls < 1)
  throw new Error('--stats-calls must be a positive integer');

const SEEDED = 10_000;
const STATS_TARGET_MS = 50;

/** A /16 with `SEEDED` STICKY addresses, every 6th from .0.6 on; returns its id. */
async function seedSubnet(db, cidr, name, { gateway, dynamic } = {}) {
  const base = cidr.split('/')[0];
  const { rows } = await db.query(
    `INSERT INTO subnets (name, cidr, vlan_id, gateway_ip)
     VALUES ($1, $2, (SELECT id FROM vlans WHERE fabric_id = 0 AND vid = 0), $3) RETURNING id`,
    [name, cidr, gateway ?? null],
  );
  const id = rows[0].id;
  if (dynamic)
    await db.query(
      `INSERT INTO ip_ranges (subnet_id, type, start_ip, end_ip) VALUES ($1, 'dynamic', $2, $3)`,
      [id, dynamic[0], dynamic[1]],
    );
  await db.query(
    `INSERT INTO ip_addresses (ip, subnet_id, alloc_type)
     SELECT $1::inet + g * 6, $2, 1 FROM generate_series(1, $3) g`,
    [base, id, SEEDED],
  );
  await db.query('ANALYZE ip_addresses');
  return id;
}

await runBench(async () => {
  const region = await startRegion({ inspect: values.profile });
  const profiler = values.profile ? await region.profiler() : undefined;
  const key = region.createAdmin();
  const db = await region.sql();
  process.stderr.write(`seeding two /16 subnets with ${SEEDED} addresses each…\n`);
  const reserveId = await seedSubnet(db, '10.100.0.0/16', 'bench-reserve', {
    gateway: '10.100.0.1',
    dynamic: ['10.100.250.0', '10.100.255.254'],
  });
  const statsId = await seedSubnet(db, '10.101.0.0/16', 'bench-stats', { gateway: '10.101.0.1' });

  const agent = new Agent({ connections: clients, pipelining: 1, keepAliveTimeout: 60_000 });
  onCleanup(() => agent.close());
  async function call(method, path, body) {
    const t = performance.now();
    const r = await request(`${region.api}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        authorization: oauthHeader(key),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    const text = await r.body.text();
    return { status: r.statusCode, text, ms: performance.now() - t };
  }

  const results = [];
  const lines = [];

  // ------------------------------------------------------------------ 1. reservations
  process.stderr.write('warm-up…\n');
  for (let i = 0; i < 20; i++) {
    const r = await call('POST', '/ipaddresses/?op=reserve', 'subnet=10.100.0.0/16');
    if (r.status !== 200) throw new Error(`warm-up reserve answered ${r.status}: ${r.text.slice(0, 300)}`);
  }
  process.stderr.write(`reserve: ${clients} clients, ${seconds} s…\n`);
  const latency = [];
  const handed = [];
  let errors = 0;
  const sampleErrors = [];
  await profiler?.start();
  const cpuBefore = region.cpu();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const r = await call('POST', '/ipaddresses/?op=reserve', 'subnet=10.100.0.0/16');
        latency.push(r.ms);
        if (r.status === 200) handed.push(JSON.parse(r.text).ip);
        else {
          errors++;
          if (sampleErrors.length < 5) sampleErrors.push(`${r.status} ${r.text.slice(0, 200)}`);
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSpent(cpuBefore, region.cpu(), wall);
  const profile = profiler ? summariseProfile(await profiler.stop()) : [];
  const rate = handed.length / wall;
  const lat = stats(latency);
  const duplicates = handed.length - new Set(handed).size;
  const forbidden = handed.filter((ip) => {
    const c = Number(ip.split('.')[2]);
    return ip === '10.100.0.1' || ip === '10.100.0.0' || ip === '10.100.255.255' || c >= 250;
  });
  const dbDuplicates = Number(
    (
      await db.query(
        `SELECT count(*) - count(DISTINCT ip) AS n FROM ip_addresses WHERE subnet_id = $1 AND ip IS NOT NULL`,
        [reserveId],
      )
    ).rows[0].n,
  );
  lines.push(
    `reserve on a /16 holding ${SEEDED} scattered addresses, ${clients} clients, ${wall.toFixed(1)} s:`,
    target(
      results,
      'reservations per second',
      rate.toFixed(0),
      rate > 0 && errors === 0,
      '> 0, no errors (none set by the issue)',
    ),
    `        ${handed.length} reserved, ${errors} errors; latency p50 ${ms(lat.p50)}, p90 ${ms(lat.p90)}, p99 ${ms(lat.p99)}, max ${ms(lat.max)}`,
    target(
      results,
      'addresses handed out twice (client / database)',
      `${duplicates} / ${dbDuplicates}`,
      duplicates === 0 && dbDuplicates === 0,
      '0 / 0',
    ),
    target(
      results,
      'gateway, network, broadcast or dynamic handed out',
      forbidden.length,
      forbidden.length === 0,
      '0',
    ),
    ...sampleErrors.map((e) => `        error: ${e}`),
    `        ${cpu}`,
    ...profile,
  );

  // ------------------------------------------------------------------ 2. statistics
  const probe = await call('GET', `/subnets/${statsId}/?op=statistics`);
  let statsLat;
  let how;
  let statsProfile = [];
  if (probe.status === 200) {
    how = 'through the HTTP API';
    for (let i = 0; i < 20; i++) await call('GET', `/subnets/${statsId}/?op=statistics`);
    const samples = [];
    await profiler?.start();
    for (let i = 0; i < statsCalls; i++) {
      const r = await call('GET', `/subnets/${statsId}/?op=statistics`);
      if (r.status !== 200) throw new Error(`statistics answered ${r.status}: ${r.text.slice(0, 200)}`);
      samples.push(r.ms);
    }
    if (profiler) statsProfile = summariseProfile(await profiler.stop());
    statsLat = stats(samples);
    const body = JSON.parse(probe.text);
    lines.push(
      `statistics answer: num_unavailable ${body.num_unavailable}, num_available ${body.num_available}`,
    );
  } else {
    how = `in process: subnets/ is not routed yet (HTTP ${probe.status})`;
    const { openDatabase } = await import('../apps/region/dist/db/database.js');
    const { SubnetAddressService } = await import('../apps/region/dist/services/subnet-address-service.js');
    const { stringifyJson } = await import('../packages/domain/dist/index.js');
    const handle = openDatabase(region.dbUrl, 4);
    onCleanup(() => handle.close());
    const service = new SubnetAddressService({ db: handle.db });
    const once = async () => {
      const t = performance.now();
      stringifyJson(
        await service.statistics(String(statsId), { includeRanges: false, includeSuggestions: false }),
      );
      return performance.now() - t;
    };
    for (let i = 0; i < 20; i++) await once();
    const samples = [];
    for (let i = 0; i < statsCalls; i++) samples.push(await once());
    statsLat = stats(samples);
  }
  lines.push(
    `statistics of a /16 holding ${SEEDED} addresses, ${statsCalls} calls one at a time (${how}):`,
    target(
      results,
      'statistics p50',
      ms(statsLat.p50),
      statsLat.p50 <= STATS_TARGET_MS,
      `≤ ${STATS_TARGET_MS} ms`,
    ),
    target(
      results,
      'statistics p99',
      ms(statsLat.p99),
      statsLat.p99 <= STATS_TARGET_MS,
      `≤ ${STATS_TARGET_MS} ms`,
    ),
    ...statsProfile,
  );

  // ------------------------------------------------------------------ 3. allocator query
  const used = `SELECT ip FROM ip_addresses WHERE subnet_id = $1 AND ip IS NOT NULL
    UNION ALL SELECT ip FROM ip_addresses WHERE subnet_id IS NULL AND ip <<= '10.101.0.0/16'::cidr
    UNION ALL SELECT ip FROM reserved_ips WHERE subnet_id = $1`;
  const islands = `WITH used AS (SELECT DISTINCT ip FROM (${used}) u),
    ranked AS (SELECT ip, ip - (row_number() OVER (ORDER BY ip) - 1) AS island FROM used)
    SELECT host(min(ip)) AS first, host(max(ip)) AS last FROM ranked GROUP BY island`;
  const all = `SELECT DISTINCT (ip - '0.0.0.0'::inet) AS v FROM (${used}) u ORDER BY v`;
  const timeQuery = async (text, params) => {
    for (let i = 0; i < 10; i++) await db.query(text, params);
    const samples = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await db.query(text, params);
      samples.push(performance.now() - t);
    }
    return stats(samples);
  };
  const packed = await db.query(
    `INSERT INTO subnets (name, cidr, vlan_id) VALUES ('bench-packed', '10.102.0.0/16', (SELECT id FROM vlans WHERE fabric_id = 0 AND vid = 0)) RETURNING id`,
  );
  const packedId = packed.rows[0].id;
  await db.query(
    `INSERT INTO ip_addresses (ip, subnet_id, alloc_type) SELECT '10.102.0.0'::inet + g, $1, 1 FROM generate_series(1, $2) g`,
    [packedId, SEEDED],
  );
  const walk = `(SELECT host(ip) FROM ip_addresses WHERE subnet_id = $1 AND ip >= $2::inet AND ip <= $3::inet
      ORDER BY ip_addresses.ip LIMIT 64)
    UNION ALL (SELECT host(ip) FROM ip_addresses WHERE subnet_id IS NULL AND ip >= $2::inet AND ip <= $3::inet
      ORDER BY ip_addresses.ip LIMIT 64)
    UNION ALL (SELECT host(ip) FROM reserved_ips WHERE subnet_id = $1 AND ip >= $2::inet AND ip <= $3::inet
      ORDER BY reserved_ips.ip LIMIT 64)`;
  const scatteredWalk = await timeQuery(walk, [statsId, '10.101.20.0', '10.101.255.254']);
  const packedWalk = await timeQuery(walk, [packedId, '10.102.39.17', '10.102.255.254']);
  const scatteredIslands = await timeQuery(islands, [statsId]);
  const scatteredAll = await timeQuery(all, [statsId]);
  const packedIslands = await timeQuery(islands.replace('10.101.0.0/16', '10.102.0.0/16'), [packedId]);
  const packedAll = await timeQuery(all.replace('10.101.0.0/16', '10.102.0.0/16'), [packedId]);
  lines.push(
    `allocator query, ${SEEDED} used addresses, p50 (p99) per query over 100 runs:`,
    `        scattered (10,000 runs): walk step ${ms(scatteredWalk.p50)} (${ms(scatteredWalk.p99)}), runs of used addresses ${ms(scatteredIslands.p50)} (${ms(scatteredIslands.p99)}), every address ${ms(scatteredAll.p50)} (${ms(scatteredAll.p99)})`,
    `        packed (1 run):          walk step ${ms(packedWalk.p50)} (${ms(packedWalk.p99)}), runs of used addresses ${ms(packedIslands.p50)} (${ms(packedIslands.p99)}), every address ${ms(packedAll.p50)} (${ms(packedAll.p99)})`,
  );

  process.stdout.write(`\nbench ipam\n${lines.join('\n')}\n`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
});
