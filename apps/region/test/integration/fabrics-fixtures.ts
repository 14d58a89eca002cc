// Rows the fabric, VLAN and space tests need that other parts of the API create (racks,
// subnets, ranges, machines with interfaces), written straight to the database.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

export const api = '/MAAS/api/2.0';

export interface VlanJson {
  id: number;
  name: string;
  vid: number;
  fabric: string;
  fabric_id: number;
  mtu: number;
  primary_rack: string | null;
  secondary_rack: string | null;
  dhcp_on: boolean;
  external_dhcp: string | null;
  relay_vlan: VlanJson | null;
  space: string;
  description: string;
  resource_uri: string;
}

export interface FabricJson {
  id: number;
  name: string;
  class_type: string | null;
  vlans: VlanJson[];
  resource_uri: string;
}

export interface SubnetJson {
  id: number;
  name: string;
  cidr: string;
  vlan: VlanJson;
  space: string;
  resource_uri: string;
  [key: string]: unknown;
}

export interface SpaceJson {
  id: number;
  name: string;
  description: string;
  vlans: VlanJson[];
  subnets: SubnetJson[];
  resource_uri: string;
}

export async function insertRack(db: Kysely<Database>, systemId: string): Promise<number> {
  const row = await db
    .insertInto('rack_controllers')
    .values({ system_id: systemId, hostname: `rack-${systemId}`, credential_sealed: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertSubnet(db: Kysely<Database>, vlanId: number, cidr: string): Promise<number> {
  const row = await db
    .insertInto('subnets')
    .values({ name: cidr, vlan_id: vlanId, cidr })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertRange(
  db: Kysely<Database>,
  subnetId: number,
  type: 'dynamic' | 'reserved',
  start: string,
  end: string,
): Promise<void> {
  await db
    .insertInto('ip_ranges')
    .values({ subnet_id: subnetId, type, start_ip: start, end_ip: end })
    .execute();
}

let machines = 0;

/** A machine with one interface of `type` on `vlanId`; returns the interface's id. */
export async function insertMachineInterface(
  db: Kysely<Database>,
  vlanId: number,
  options: { hostname: string; name: string; type: string; mac: string },
): Promise<number> {
  const ids = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('domains').select('id').where('is_default', '=', true).as('domain'),
      eb.selectFrom('zones').select('id').where('name', '=', 'default').as('zone'),
      eb.selectFrom('resource_pools').select('id').where('name', '=', 'default').as('pool'),
    ])
    .executeTakeFirstOrThrow();
  machines += 1;
  const machine = await db
    .insertInto('machines')
    .values({
      system_id: `fx${String(machines).padStart(4, '0')}`,
      hostname: options.hostname,
      domain_id: ids.domain ?? 0,
      zone_id: ids.zone ?? 0,
      pool_id: ids.pool ?? 0,
      status: 4,
      architecture: 'amd64/generic',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const iface = await db
    .insertInto('interfaces')
    .values({
      machine_id: machine.id,
      name: options.name,
      type: options.type,
      mac_address: options.mac,
      vlan_id: vlanId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return iface.id;
}

/** The kinds and VLANs of the network changes written after change `afterId`. */
export async function changesAfter(
  db: Kysely<Database>,
  afterId: string,
): Promise<{ kind: string; vlan_id: number | null; subnet_id: number | null }[]> {
  return db
    .selectFrom('network_changes')
    .select(['kind', 'vlan_id', 'subnet_id'])
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
}

/** The id of the newest network change ("0" when there is none). */
export async function lastChangeId(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('network_changes')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return row?.id ?? '0';
}

/** The descriptions of the audit events recorded so far. */
export async function auditDescriptions(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('events').select('description').where('type', '=', 'AUDIT').execute();
  return rows.map((r) => r.description);
}
