import type { Kysely } from 'kysely';
import { AppError, MAX_DB_ID, parseCidr, formatCidr } from '@ferrum/domain';
import type { Database, FabricRow, SpaceRow, SubnetRow, VlanRow } from '../db/schema.js';

// How API keys name network objects, as MAAS reads them. Shared by every network service so a
// subnet is found the same way by subnets/, ipaddresses/, link_subnet and reserve.

/** An id as network URLs carry it: digits, 0 included (MAAS's default fabric is fabric 0). */
export function parseNetworkId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,20}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_DB_ID ? id : undefined;
}

function notFound(label: string): AppError {
  return new AppError('not_found', `No ${label} matches the given query.`);
}

/**
 * A row of `table` by id or name; an id wins over a row named like one (a fabric named "1"
 * does not hide fabric 1).
 */
function findByIdOrName(
  db: Kysely<Database>,
  table: 'fabrics',
  key: string,
  label: string,
): Promise<FabricRow>;
function findByIdOrName(db: Kysely<Database>, table: 'spaces', key: string, label: string): Promise<SpaceRow>;
async function findByIdOrName(
  db: Kysely<Database>,
  table: 'fabrics' | 'spaces',
  key: string,
  label: string,
): Promise<FabricRow | SpaceRow> {
  const id = parseNetworkId(key);
  const row = await db
    // The two tables share id and name; Kysely types one of them for the query.
    .selectFrom(table as 'spaces')
    .selectAll()
    .where((eb) =>
      id !== undefined ? eb.or([eb('id', '=', id), eb('name', '=', key)]) : eb('name', '=', key),
    )
    .orderBy((eb) =>
      eb
        .case()
        .when('id', '=', id ?? -1)
        .then(0)
        .else(1)
        .end(),
    )
    .executeTakeFirst();
  if (!row) throw notFound(label);
  return row;
}

/** A fabric by id or name. */
export function findFabric(db: Kysely<Database>, key: string): Promise<FabricRow> {
  return findByIdOrName(db, 'fabrics', key, 'Fabric');
}

/** A VLAN by its id (`vlans/{id}/`). */
export async function findVlan(db: Kysely<Database>, key: string): Promise<VlanRow> {
  const id = parseNetworkId(key);
  const row =
    id === undefined
      ? undefined
      : await db.selectFrom('vlans').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('VLAN');
  return row;
}

/** A fabric's VLAN by its vid (`fabrics/{fabric_id}/vlans/{vid}/`). */
export async function findVlanOnFabric(
  db: Kysely<Database>,
  fabricKey: string,
  vidKey: string,
): Promise<VlanRow> {
  const fabric = await findFabric(db, fabricKey);
  const vid = parseNetworkId(vidKey);
  const row =
    vid === undefined
      ? undefined
      : await db
          .selectFrom('vlans')
          .selectAll()
          .where('fabric_id', '=', fabric.id)
          .where('vid', '=', vid)
          .executeTakeFirst();
  if (!row) throw notFound('VLAN');
  return row;
}

/** A space by id or name. */
export function findSpace(db: Kysely<Database>, key: string): Promise<SpaceRow> {
  return findByIdOrName(db, 'spaces', key, 'Space');
}

/**
 * A subnet by id, CIDR or name (`subnets/{id}/` takes all three, as MAAS does), also in MAAS's
 * specifier forms `id:…`, `cidr:…`, `name:…`. An all-digit key is an id; a key with a `/` is a
 * CIDR (normalised: `10.0.0.0/24` and `10.0.0.00/24`… name one subnet); anything else a name.
 */
export async function findSubnet(db: Kysely<Database>, key: string): Promise<SubnetRow> {
  const row = await lookupSubnet(db, key);
  if (!row) throw notFound('Subnet');
  return row;
}

async function lookupSubnet(db: Kysely<Database>, key: string): Promise<SubnetRow | undefined> {
  const specifier = /^(id|cidr|name):(.*)$/.exec(key);
  const kind =
    specifier?.[1] ?? (parseNetworkId(key) !== undefined ? 'id' : key.includes('/') ? 'cidr' : 'name');
  const value = specifier?.[2] ?? key;
  const subnets = db.selectFrom('subnets').selectAll();
  switch (kind) {
    case 'id': {
      const id = parseNetworkId(value);
      return id === undefined ? undefined : subnets.where('id', '=', id).executeTakeFirst();
    }
    case 'cidr': {
      const parsed = parseCidr(value);
      if (!('cidr' in parsed)) return undefined;
      return subnets.where('cidr', '=', formatCidr(parsed.cidr)).executeTakeFirst();
    }
    default:
      return subnets.where('name', '=', value).orderBy('id').executeTakeFirst();
  }
}
