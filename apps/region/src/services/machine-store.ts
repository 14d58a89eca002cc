import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { BlockDeviceRow, Database, DomainRow, MachineRow, NamedObjectRow } from '../db/schema.js';
import type { MachineCondition } from './machine-filters.js';
import {
  attachNetworking,
  interfaceRowColumns,
  type InterfaceRowView,
  type InterfaceViewWithLinks,
} from './interface-store.js';
import {
  loadMachineScriptStatuses,
  noScriptStatuses,
  type MachineScriptStatuses,
} from './machine-script-statuses.js';

/**
 * The machine columns a view carries: what the machine JSON shows. Not the power parameters,
 * which only admins read, apart; not the timestamps, which it does not show (and which cost
 * a date parse each in a long list).
 */
export type MachineViewRow = Omit<
  MachineRow,
  | 'power_parameters'
  | 'power_secrets'
  | 'created'
  | 'updated'
  | 'status_expires'
  | 'power_state_updated'
  | 'power_state_polled'
>;

/** An interface as a view carries it: its columns, VLAN, relations and links (interface-store.ts). */
export type InterfaceView = InterfaceViewWithLinks;
/** A block device as a view carries it (the columns its JSON shows). */
export type BlockDeviceView = Omit<BlockDeviceRow, 'created'>;

/** A machine with everything its API JSON shows, read in a fixed number of queries. */
export interface MachineView {
  readonly machine: MachineViewRow;
  readonly domain: Pick<
    DomainRow,
    'id' | 'name' | 'ttl' | 'authoritative' | 'is_default' | 'forward_dns_servers'
  >;
  readonly zone: Pick<NamedObjectRow, 'id' | 'name' | 'description'>;
  readonly pool: Pick<NamedObjectRow, 'id' | 'name' | 'description'>;
  readonly ownerName: string | null;
  readonly tags: readonly string[];
  readonly interfaces: readonly InterfaceView[];
  readonly blockDevices: readonly BlockDeviceView[];
  /** The latest event's type (MAAS's `status_message`), or '' when there is none. */
  readonly statusMessage: string;
  /** Its newest script sets and the statuses of its latest results (machine-script-statuses.ts). */
  readonly scripts: MachineScriptStatuses;
}

/** A query of machine ids (allocation's candidates, in the order to try them). */
export type MachineQuery = SelectQueryBuilder<Database, 'machines', { id: number }>;

/**
 * Which machines to read: by id (in the order given), or those meeting `conditions` ordered by
 * id — from `afterId` on and at most `limit` of them, for reading a long list in pages.
 */
export type MachineSelection =
  | readonly number[]
  | {
      readonly conditions: readonly MachineCondition[];
      readonly afterId?: number | undefined;
      readonly limit?: number | undefined;
    };

const viewColumns = [
  'id',
  'system_id',
  'hostname',
  'domain_id',
  'description',
  'architecture',
  'min_hwe_kernel',
  'hwe_kernel',
  'cpu_count',
  'cpu_speed',
  'memory',
  'swap_size',
  'status',
  'previous_status',
  'error_description',
  'osystem',
  'distro_series',
  'netboot',
  'ephemeral_deploy',
  'power_type',
  'power_state',
  'owner_id',
  'owner_data',
  'workload_annotations',
  'locked',
  'agent_name',
  'zone_id',
  'pool_id',
  'hardware_uuid',
  'hardware_info',
  'numa_nodes',
  'bios_boot_method',
  'enable_ssh',
  'is_dpu',
  'storage_total',
  'gateway_link_ipv4_id',
  'gateway_link_ipv6_id',
] as const satisfies readonly (keyof MachineViewRow)[];

/**
 * Reads machine views in a fixed number of queries whatever the number of machines (no N+1):
 * the machines with their domain, zone, pool, owner, tags and latest event; then, side by side,
 * their interfaces (with, in two more round trips, their relations, links and VLANs) and block
 * devices and script statuses by machine id. For pages of long lists: building those as JSON in PostgreSQL instead
 * costs it several times what selecting the rows does, and in all (PostgreSQL and parsing
 * here) more than the rows.
 */
export async function loadMachineViews(
  db: Kysely<Database>,
  selection: MachineSelection,
): Promise<MachineView[]> {
  if (isIdList(selection) && selection.length === 0) return [];
  const machines = await selectMachines(db, selection).execute();
  if (machines.length === 0) return [];
  const ids = machines.map((m) => m.id);
  const [interfaces, devices, scripts] = await Promise.all([
    db
      .selectFrom('interfaces')
      .select(interfaceRowColumns)
      .where('machine_id', '=', (eb) => eb.fn.any(eb.val(ids)))
      .orderBy('id')
      .execute()
      .then((rows) => attachNetworking(db, rows)),
    db
      .selectFrom('block_devices')
      .select(blockDeviceColumns)
      .where('machine_id', '=', (eb) => eb.fn.any(eb.val(ids)))
      .orderBy('id')
      .execute(),
    loadMachineScriptStatuses(db, ids),
  ]);
  const interfaceMap = groupByMachine(interfaces);
  const deviceMap = groupByMachine(devices);
  const views = machines.map((row) =>
    toView(row, interfaceMap.get(row.id) ?? [], deviceMap.get(row.id) ?? [], scripts.get(row.id)),
  );
  return isIdList(selection) ? inIdOrder(views, selection) : views;
}

/** The ids of the machines `selection` selects, in its order: a long list's first read. */
export async function selectMachineIds(db: Kysely<Database>, selection: MachineSelection): Promise<number[]> {
  if (isIdList(selection)) return [...selection];
  const rows = await restrict(db.selectFrom('machines').select('machines.id'), selection).execute();
  return rows.map((r) => r.id);
}

/**
 * Reads the views of a few machines in a single statement, their interfaces and block devices
 * built as JSON by PostgreSQL: for a few machines that costs less than the further round trips
 * `loadMachineViews` makes (for a page of 250 it costs PostgreSQL several times more). The
 * interfaces' relations, links and VLANs then take two more (one when nothing is on a VLAN),
 * alongside the script statuses.
 */
export async function loadFewMachineViews(
  db: Kysely<Database>,
  selection: MachineSelection,
): Promise<MachineView[]> {
  if (isIdList(selection) && selection.length === 0) return [];
  const rows = await selectMachines(db, selection)
    .select([
      sql<InterfaceRowView[]>`coalesce((
        SELECT json_agg(json_build_object(${sql.raw(jsonFields('i', interfaceRowColumns, { mac_address: '::text' }))}) ORDER BY i.id)
        FROM interfaces i WHERE i.machine_id = machines.id), '[]')`.as('interface_set'),
      sql<BlockDeviceView[]>`coalesce((
        SELECT json_agg(json_build_object(${sql.raw(jsonFields('d', blockDeviceColumns, { size: '::text' }))}) ORDER BY d.id)
        FROM block_devices d WHERE d.machine_id = machines.id), '[]')`.as('blockdevice_set'),
    ])
    .execute();
  if (rows.length === 0) return [];
  const [networked, scripts] = await Promise.all([
    attachNetworking(
      db,
      rows.flatMap((r) => r.interface_set),
    ),
    loadMachineScriptStatuses(
      db,
      rows.map((r) => r.id),
    ),
  ]);
  const interfaces = groupByMachine(networked);
  const views = rows.map(({ interface_set: _rows, blockdevice_set: devices, ...machine }) =>
    toView(machine, interfaces.get(machine.id) ?? [], devices, scripts.get(machine.id)),
  );
  return isIdList(selection) ? inIdOrder(views, selection) : views;
}

/** The first machine `selection` selects, read in one statement. */
export async function loadMachineView(
  db: Kysely<Database>,
  selection: MachineSelection,
): Promise<MachineView | undefined> {
  const [view] = await loadFewMachineViews(
    db,
    isIdList(selection) ? selection.slice(0, 1) : { ...selection, limit: 1 },
  );
  return view;
}

/** `views` in the order of `ids`, leaving out those not found (deleted meanwhile). */
function inIdOrder(views: readonly MachineView[], ids: readonly number[]): MachineView[] {
  const byId = new Map(views.map((v) => [v.machine.id, v]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * `'column', alias.column, …` for json_build_object, with a cast where the JSON value must
 * keep the row's type (bigint as a string, as pg returns it; macaddr as text).
 */
function jsonFields(
  alias: string,
  columns: readonly string[],
  casts: Readonly<Record<string, string>>,
): string {
  return columns.map((c) => `'${c}', ${alias}.${c}${casts[c] ?? ''}`).join(', ');
}

type SelectedMachine = Awaited<ReturnType<ReturnType<typeof selectMachines>['execute']>>[number];

function toView(
  row: SelectedMachine,
  interfaces: readonly InterfaceView[],
  blockDevices: readonly BlockDeviceView[],
  scripts: MachineScriptStatuses = noScriptStatuses,
): MachineView {
  const {
    owner_name: ownerName,
    tag_names: tags,
    status_message: statusMessage,
    domain_name,
    domain_ttl,
    domain_authoritative,
    domain_is_default,
    domain_forward_dns_servers,
    zone_name,
    zone_description,
    pool_name,
    pool_description,
    ...machine
  } = row;
  return {
    machine,
    domain: {
      id: machine.domain_id,
      name: domain_name,
      ttl: domain_ttl,
      authoritative: domain_authoritative,
      is_default: domain_is_default,
      forward_dns_servers: domain_forward_dns_servers,
    },
    zone: { id: machine.zone_id, name: zone_name, description: zone_description },
    pool: { id: machine.pool_id, name: pool_name, description: pool_description },
    ownerName,
    tags,
    interfaces,
    blockDevices,
    statusMessage: statusMessage ?? '',
    scripts,
  };
}

function isIdList(selection: MachineSelection): selection is readonly number[] {
  return Array.isArray(selection);
}

function restrict<O>(
  query: SelectQueryBuilder<Database, 'machines', O>,
  selection: MachineSelection,
): SelectQueryBuilder<Database, 'machines', O> {
  if (isIdList(selection)) return query.where('machines.id', '=', (eb) => eb.fn.any(eb.val([...selection])));
  let q = query;
  for (const condition of selection.conditions) q = q.where(condition);
  if (selection.afterId !== undefined) q = q.where('machines.id', '>', selection.afterId);
  q = q.orderBy('machines.id');
  if (selection.limit !== undefined) q = q.limit(selection.limit);
  return q;
}

function selectMachines(db: Kysely<Database>, selection: MachineSelection) {
  const query = db
    .selectFrom('machines')
    .innerJoin('domains', 'domains.id', 'machines.domain_id')
    .innerJoin('zones', 'zones.id', 'machines.zone_id')
    .innerJoin('resource_pools', 'resource_pools.id', 'machines.pool_id')
    .leftJoin('users', 'users.id', 'machines.owner_id')
    .select(viewColumns.map((c) => `machines.${c}` as const))
    .select([
      'users.username as owner_name',
      'domains.name as domain_name',
      'domains.ttl as domain_ttl',
      'domains.authoritative as domain_authoritative',
      'domains.is_default as domain_is_default',
      'domains.forward_dns_servers as domain_forward_dns_servers',
      'zones.name as zone_name',
      'zones.description as zone_description',
      'resource_pools.name as pool_name',
      'resource_pools.description as pool_description',
      sql<string[]>`array(
        SELECT t.name FROM machine_tags mt JOIN tags t ON t.id = mt.tag_id
        WHERE mt.machine_id = machines.id ORDER BY t.name)`.as('tag_names'),
      // MAAS's status_message: the latest event above DEBUG (events are keyed by system_id).
      sql<string | null>`(
        SELECT e.type FROM events e
        WHERE e.node_system_id = machines.system_id AND e.level >= 20
        ORDER BY e.id DESC LIMIT 1)`.as('status_message'),
    ]);
  return restrict(query, selection);
}

const blockDeviceColumns = [
  'id',
  'machine_id',
  'name',
  'type',
  'model',
  'serial',
  'id_path',
  'size',
  'block_size',
  'tags',
  'firmware_version',
  'numa_node',
] as const satisfies readonly (keyof BlockDeviceView)[];

function groupByMachine<T extends { machine_id: number | null }>(rows: readonly T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    if (row.machine_id === null) continue;
    const bucket = map.get(row.machine_id);
    if (bucket) bucket.push(row);
    else map.set(row.machine_id, [row]);
  }
  return map;
}
