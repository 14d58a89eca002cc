import type { Kysely, SelectQueryBuilder } from 'kysely';
import type {
  BlockDeviceRow,
  Database,
  DomainRow,
  MachineInterfaceRow,
  MachineRow,
  NamedObjectRow,
} from '../db/schema.js';

/** A machine with everything its API JSON shows, read in a fixed number of queries. */
export interface MachineView {
  readonly machine: MachineRow;
  readonly domain: DomainRow;
  readonly zone: NamedObjectRow;
  readonly pool: NamedObjectRow;
  readonly ownerName: string | null;
  readonly tags: readonly string[];
  readonly interfaces: readonly MachineInterfaceRow[];
  readonly blockDevices: readonly BlockDeviceRow[];
  /** The latest event's type (MAAS's `status_message`), or '' when there is none. */
  readonly statusMessage: string;
}

export type MachineQuery = SelectQueryBuilder<Database, 'machines', { id: number }>;

/**
 * Reads machine views for a query of machine ids: a fixed number of queries whatever the number of machines
 * (no N+1), ordered as the query orders them (by id unless it says otherwise).
 */
export async function loadMachineViews(
  db: Kysely<Database>,
  ids: MachineQuery | readonly number[],
): Promise<MachineView[]> {
  const idList = Array.isArray(ids)
    ? (ids as readonly number[])
    : (await (ids as MachineQuery).execute()).map((r) => r.id);
  if (idList.length === 0) return [];
  const list = [...idList];
  const [machines, interfaces, devices, tags, messages, domains, zones, pools] = await Promise.all([
    db
      .selectFrom('machines')
      .leftJoin('users', 'users.id', 'machines.owner_id')
      .selectAll('machines')
      .select('users.username as owner_name')
      .where('machines.id', '=', (eb) => eb.fn.any(eb.val(list)))
      .execute(),
    db
      .selectFrom('machine_interfaces')
      .selectAll()
      .where('machine_id', '=', (eb) => eb.fn.any(eb.val(list)))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('block_devices')
      .selectAll()
      .where('machine_id', '=', (eb) => eb.fn.any(eb.val(list)))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('machine_tags')
      .innerJoin('tags', 'tags.id', 'machine_tags.tag_id')
      .select(['machine_tags.machine_id', 'tags.name'])
      .where('machine_tags.machine_id', '=', (eb) => eb.fn.any(eb.val(list)))
      .orderBy('tags.name')
      .execute(),
    latestStatusMessages(db, list),
    db.selectFrom('domains').selectAll().execute(),
    db.selectFrom('zones').selectAll().execute(),
    db.selectFrom('resource_pools').selectAll().execute(),
  ]);
  const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const group = <T extends { machine_id: number }>(rows: T[]) => {
    const map = new Map<number, T[]>();
    for (const row of rows) {
      const bucket = map.get(row.machine_id);
      if (bucket) bucket.push(row);
      else map.set(row.machine_id, [row]);
    }
    return map;
  };
  const domainMap = byId(domains);
  const zoneMap = byId(zones);
  const poolMap = byId(pools);
  const interfaceMap = group(interfaces);
  const deviceMap = group(devices);
  const tagMap = group(tags);
  const machineMap = byId(machines);
  const views: MachineView[] = [];
  for (const id of list) {
    const row = machineMap.get(id);
    if (!row) continue; // deleted between the two reads
    const { owner_name: ownerName, ...machine } = row;
    const domain = domainMap.get(machine.domain_id);
    const zone = zoneMap.get(machine.zone_id);
    const pool = poolMap.get(machine.pool_id);
    if (!domain || !zone || !pool) continue; // foreign keys make this impossible but for a race
    views.push({
      machine,
      domain,
      zone,
      pool,
      ownerName,
      tags: (tagMap.get(id) ?? []).map((t) => t.name),
      interfaces: interfaceMap.get(id) ?? [],
      blockDevices: deviceMap.get(id) ?? [],
      statusMessage: messages.get(id) ?? '',
    });
  }
  return views;
}

/** The type of each machine's latest event (MAAS's status_message), by system_id, the events table's key. */
async function latestStatusMessages(db: Kysely<Database>, ids: number[]): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('machines')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('events')
          .select('events.type')
          .whereRef('events.node_system_id', '=', 'machines.system_id')
          .where('events.level', '>=', 20)
          .orderBy('events.id', 'desc')
          .limit(1)
          .as('latest'),
      (join) => join.onTrue(),
    )
    .select(['machines.id', 'latest.type'])
    .where('machines.id', '=', (eb) => eb.fn.any(eb.val(ids)))
    .execute();
  return new Map(rows.map((r) => [r.id, r.type]));
}
