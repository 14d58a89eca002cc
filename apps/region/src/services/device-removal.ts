import { sql, type Kysely } from 'kysely';
import { AllocType, type Database } from '../db/schema.js';
import { releaseChanges } from './ip-address-changes.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';

/**
 * Deletes, in `trx`, the addresses linked to the interfaces `interfaceIds` (all of them, or all
 * but the observed ones with `keepDiscovered`) and returns the DHCP host entry and DNS record
 * removes of those that held an IP, computed before the rows go. The caller emits them in the
 * same transaction.
 */
export async function removeLinks(
  trx: Kysely<Database>,
  interfaceIds: readonly number[],
  options: { readonly keepDiscovered: boolean },
): Promise<NetworkChange[]> {
  if (interfaceIds.length === 0) return [];
  let query = trx
    .selectFrom('ip_addresses')
    .select([
      sql<string>`ip_addresses.id::text`.as('id'),
      sql<string | null>`host(ip_addresses.ip)`.as('ip'),
      'alloc_type',
      'subnet_id',
      'interface_id',
      sql<string | null>`mac_address::text`.as('mac_address'),
      'hostname',
    ])
    .where('interface_id', 'in', [...interfaceIds])
    .orderBy('ip_addresses.id')
    .forUpdate();
  if (options.keepDiscovered) query = query.where('alloc_type', '<>', AllocType.discovered);
  const rows = await query.execute();
  const changes: NetworkChange[] = [];
  for (const row of rows)
    if (row.ip !== null)
      changes.push(...(await releaseChanges(trx, { ...row, id: Number(row.id), ip: row.ip })));
  if (rows.length > 0)
    await trx
      .deleteFrom('ip_addresses')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
  return changes;
}

/**
 * Deletes the devices `deviceIds` in `trx`: their addresses first (emitting the DHCP and DNS
 * removes of those with an IP: `interface_id` is ON DELETE SET NULL, so a cascade would leave
 * them behind as leaks), then the devices, whose interfaces and tags go with them.
 */
export async function deleteDevices(
  trx: Kysely<Database>,
  networkChanges: NetworkChanges,
  deviceIds: readonly number[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  const interfaces = await trx
    .selectFrom('interfaces')
    .select('id')
    .where('device_id', 'in', [...deviceIds])
    .orderBy('id')
    .execute();
  const changes = await removeLinks(
    trx,
    interfaces.map((i) => i.id),
    { keepDiscovered: false },
  );
  await trx
    .deleteFrom('devices')
    .where('id', 'in', [...deviceIds])
    .execute();
  await networkChanges.emit(trx, changes);
}

/**
 * Deletes the child devices of machine `machineId` (Juju's containers) in `trx`, as MAAS does
 * when the machine is released or deleted; for the machine lifecycle to call in its transaction.
 * Returns the system_ids deleted.
 */
export async function deleteChildDevices(
  trx: Kysely<Database>,
  networkChanges: NetworkChanges,
  machineId: number,
): Promise<string[]> {
  const children = await trx
    .selectFrom('devices')
    .select(['id', 'system_id'])
    .where('parent_machine_id', '=', machineId)
    .orderBy('id')
    .forUpdate()
    .execute();
  await deleteDevices(
    trx,
    networkChanges,
    children.map((c) => c.id),
  );
  return children.map((c) => c.system_id);
}
