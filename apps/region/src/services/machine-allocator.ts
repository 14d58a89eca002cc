import { sql, type Kysely, type SqlBool } from 'kysely';
import {
  AppError,
  describeConstraints,
  matchCandidate,
  parseAllocationConstraints,
  statusValue,
  type AllocationCandidate,
  type AllocationConstraints,
} from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import {
  machineListConditions,
  networkFilterProblems,
  type MachineCondition,
  type ParamLists,
} from './machine-filters.js';
import type { InstallableCheck, MachineLifecycle } from './machine-lifecycle.js';
import type { MachineView } from './machine-store.js';

/** How many SQL-matched candidates are checked against storage constraints per round. */
const PAGE = 50;

export interface Allocation {
  readonly view: MachineView;
  /** `constraints_by_type`: storage labels → block device ids (interfaces come with networks). */
  readonly constraintsByType: { storage?: Record<string, number[]> };
}

/**
 * `machines/?op=allocate`: the constraints every allocator needs in SQL (status, ownership,
 * arch, cpu, memory, tags, zone, pool, name), the rest (storage) in the domain's matcher, and
 * among matches the smallest sufficient machine — the SQL orders by cores, memory and disk so
 * the first match is the smallest and big machines stay free.
 */
export class MachineAllocator {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly lifecycle: MachineLifecycle;
      readonly checkInstallable: InstallableCheck;
    },
  ) {}

  async allocate(user: UserRow, params: ParamLists): Promise<Allocation | { dryRun: MachineView }> {
    const network = networkFilterProblems(params, 'Allocating');
    if (Object.keys(network).length > 0) throw AppError.invalid(network);
    const constraints = parseAllocationConstraints(params);
    // The OS belongs in the acquisition constraints: a machine is not taken for what no rack can install.
    const osystem = params['osystem']?.[0];
    const distroSeries = params['distro_series']?.[0];
    if ((osystem ?? '') !== '' || (distroSeries ?? '') !== '')
      await this.deps.checkInstallable(osystem || undefined, distroSeries || undefined);
    const conditions = [...machineListConditions(sqlParams(constraints)), ...allocatable];
    const options = { agentName: constraints.agentName, comment: constraints.comment };
    if (constraints.storage.length === 0 && !constraints.dryRun) {
      // Everything is matched in SQL: one statement finds and locks the smallest free match.
      let candidates = this.deps.db.selectFrom('machines').select('machines.id').orderBy(smallestFirst);
      for (const condition of conditions) candidates = candidates.where(condition);
      const view = await this.deps.lifecycle.allocate(candidates, user, options);
      if (!view) throw noMatch(constraints);
      return { view, constraintsByType: {} };
    }
    // Storage is matched in the domain: read candidates a page at a time, smallest first.
    let after: { cpu: number; memory: number; storage: number; id: number } | undefined;
    for (;;) {
      let query = this.deps.db
        .selectFrom('machines')
        .innerJoin('zones', 'zones.id', 'machines.zone_id')
        .innerJoin('resource_pools', 'resource_pools.id', 'machines.pool_id')
        .innerJoin('domains', 'domains.id', 'machines.domain_id')
        .select([
          'machines.id',
          'machines.system_id',
          'machines.hostname',
          'machines.architecture',
          'machines.cpu_count',
          'machines.memory',
          'machines.storage_total',
          'zones.name as zone',
          'resource_pools.name as pool',
          'domains.name as domain',
        ])
        .orderBy(smallestFirst)
        .limit(PAGE);
      for (const condition of conditions) query = query.where(condition);
      if (after) {
        const a = after;
        query = query.where(
          sql<boolean>`(machines.cpu_count, machines.memory, machines.storage_total, machines.id) > (${a.cpu}, ${a.memory}, ${a.storage}, ${a.id})`,
        );
      }
      const rows = await query.execute();
      const last = rows.at(-1);
      if (!last) throw noMatch(constraints);
      after = { cpu: last.cpu_count, memory: last.memory, storage: last.storage_total, id: last.id };
      const matches = await this.matchStorage(rows, constraints);
      if (matches.length === 0) continue;
      if (constraints.dryRun) {
        const [view] = await this.deps.lifecycle.views([matches[0]?.id ?? 0]);
        if (view) return { dryRun: view };
        continue;
      }
      const ids = matches.map((m) => m.id);
      // The SQL constraints again, for a machine changed (zone, tags, …) since it matched.
      let candidates = this.deps.db
        .selectFrom('machines')
        .select('machines.id')
        .where('machines.id', '=', (eb) => eb.fn.any(eb.val(ids)))
        .orderBy(sql`array_position(${sql.val(ids)}::int[], machines.id)`);
      for (const condition of conditions) candidates = candidates.where(condition);
      const view = await this.deps.lifecycle.allocate(candidates, user, options);
      // None: every match was taken meanwhile by concurrent allocations; look further.
      if (!view) continue;
      const storage = matches.find((m) => m.id === view.machine.id)?.storage;
      return { view, constraintsByType: storage && Object.keys(storage).length > 0 ? { storage } : {} };
    }
  }

  private async matchStorage(
    rows: readonly {
      id: number;
      system_id: string;
      hostname: string;
      architecture: string;
      cpu_count: number;
      memory: number;
      zone: string;
      pool: string;
      domain: string;
    }[],
    constraints: AllocationConstraints,
  ): Promise<{ id: number; storage: Record<string, number[]> }[]> {
    const ids = rows.map((r) => r.id);
    const devices =
      constraints.storage.length === 0
        ? []
        : await this.deps.db
            .selectFrom('block_devices')
            .select(['id', 'machine_id', 'size', 'tags'])
            .where('machine_id', '=', (eb) => eb.fn.any(eb.val(ids)))
            .orderBy('id')
            .execute();
    const out: { id: number; storage: Record<string, number[]> }[] = [];
    for (const row of rows) {
      const candidate: AllocationCandidate = {
        id: row.id,
        systemId: row.system_id,
        hostname: row.hostname,
        fqdn: `${row.hostname}.${row.domain}`,
        architecture: row.architecture,
        cpuCount: row.cpu_count,
        memoryMib: row.memory,
        // Tags, zone and pool were matched in SQL.
        tags: constraints.tags,
        zone: row.zone,
        pool: row.pool,
        blockDevices: devices
          .filter((d) => d.machine_id === row.id)
          .map((d) => ({ id: d.id, sizeBytes: Number(d.size), tags: d.tags })),
      };
      const match = matchCandidate(candidate, constraints);
      if (match) out.push({ id: row.id, storage: match.storage });
    }
    return out;
  }
}

/** What allocation may take: Ready, unowned, unlocked (the `machines_allocatable` index). */
// Literals, not parameters: a prepared statement's generic plan can use the partial index only
// when the query states its predicate itself.
const allocatable: readonly MachineCondition[] = [
  () => sql<SqlBool>`machines.status = ${sql.lit(statusValue('READY'))}`,
  () => sql<SqlBool>`machines.owner_id IS NULL`,
  () => sql<SqlBool>`NOT machines.locked`,
];

/** Smallest sufficient machine first, so big ones stay free: the `machines_allocatable` index order. */
const smallestFirst = sql`machines.cpu_count, machines.memory, machines.storage_total, machines.id`;

/** The constraints SQL evaluates, as `GET machines/` filter parameters. */
function sqlParams(k: AllocationConstraints): ParamLists {
  const params: Record<string, string[]> = {};
  const set = (name: string, values: readonly string[] | string | number | undefined) => {
    if (values === undefined) return;
    const list = typeof values === 'object' ? [...values] : [String(values)];
    if (list.length > 0) params[name] = list;
  };
  set('hostname', k.names);
  set('system_id', k.systemIds);
  set('arch', k.arches);
  set('cpu_count', k.minCpuCount);
  set('mem', k.minMemoryMib);
  set('tags', k.tags);
  set('not_tags', k.notTags);
  set('zone', k.zones);
  set('not_in_zone', k.notInZones);
  set('pool', k.pools);
  set('not_in_pool', k.notInPools);
  return params;
}

function noMatch(constraints: AllocationConstraints): AppError {
  return new AppError('conflict', describeConstraints(constraints));
}
