import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { NetworkChange } from '../../src/services/network-changes.js';

// Subnets and ranges written straight to the database: these tests are about addresses, and
// must not depend on the subnets API (another slice) to set up their networks.

export interface SubnetSpec {
  readonly cidr: string;
  readonly name?: string;
  readonly gateway?: string | null;
  readonly dns?: readonly string[];
  readonly managed?: boolean;
  /** Defaults to fabric-0's untagged VLAN. */
  readonly vlanId?: number;
}

export async function createSubnet(db: Kysely<Database>, spec: SubnetSpec): Promise<number> {
  const vlanId =
    spec.vlanId ??
    (
      await db
        .selectFrom('vlans')
        .select('id')
        .where('fabric_id', '=', 0)
        .where('vid', '=', 0)
        .executeTakeFirstOrThrow()
    ).id;
  const row = await db
    .insertInto('subnets')
    .values({
      name: spec.name ?? spec.cidr,
      cidr: spec.cidr,
      vlan_id: vlanId,
      gateway_ip: spec.gateway ?? null,
      dns_servers: sql<string[]>`${`{${(spec.dns ?? []).join(',')}}`}::inet[]`,
      managed: spec.managed ?? true,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addRange(
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

/** Every change written since the stream position `afterId` (by row id, committed ones only). */
export async function changesSince(db: Kysely<Database>, afterId: number): Promise<NetworkChange[]> {
  const rows = await db
    .selectFrom('network_changes')
    .select('payload')
    .where('id', '>', String(afterId))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.payload as NetworkChange);
}

/** The id of the last change written so far (0 when none). */
export async function lastChangeId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('network_changes')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}
