import { sql, type Kysely } from 'kysely';
import { AllocType, type Database, type VlanRow } from '../db/schema.js';
import type { NetworkChange } from './network-changes.js';

/** Alloc types that hold an address for an interface: a DHCP host entry and DNS records. */
const assigned = [AllocType.auto, AllocType.sticky, AllocType.userReserved];

/**
 * MAAS's hostname label for a non-boot interface's address (`<label>.<host>.<domain>`):
 * `_` becomes `-`, leading non-letters and trailing non-alphanumerics go.
 */
function interfaceLabel(name: string): string {
  return name
    .replace(/_/g, '-')
    .replace(/^[^a-zA-Z]+/, '')
    .replace(/[^a-zA-Z0-9]+$/, '');
}

/**
 * Removes a (non-default) VLAN in the caller's transaction, as MAAS's VLAN.delete does, and
 * returns the network changes that makes: its subnets and its interfaces move to the fabric's
 * default VLAN, except VLAN interfaces, which are deleted with their addresses; VLANs that
 * relayed DHCP to it relay no more.
 */
export async function removeVlan(trx: Kysely<Database>, vlan: VlanRow): Promise<NetworkChange[]> {
  const changes: NetworkChange[] = [];
  const fallback = await trx
    .selectFrom('vlans')
    .select('id')
    .where('fabric_id', '=', vlan.fabric_id)
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .executeTakeFirstOrThrow();

  const relaying = await trx
    .selectFrom('vlans')
    .select('id')
    .where('relay_vlan_id', '=', vlan.id)
    .orderBy('id')
    .forUpdate()
    .execute();

  const vlanInterfaces = await trx
    .selectFrom('interfaces as i')
    .leftJoin('machines as m', 'm.id', 'i.machine_id')
    .leftJoin('devices as d', 'd.id', 'i.device_id')
    .leftJoin('domains as dm', (join) => join.on(sql<boolean>`dm.id = coalesce(m.domain_id, d.domain_id)`))
    .select(['i.id', 'i.name', 'i.mac_address', 'dm.name as domain'])
    .select(sql<string | null>`coalesce(m.hostname, d.hostname)`.as('hostname'))
    .where('i.vlan_id', '=', vlan.id)
    .where('i.type', '=', 'vlan')
    .forUpdate('i')
    .execute();
  if (vlanInterfaces.length > 0) {
    const byId = new Map(vlanInterfaces.map((i) => [i.id, i]));
    const addresses = await trx
      .deleteFrom('ip_addresses as a')
      .using('subnets as s')
      .whereRef('s.id', '=', 'a.subnet_id')
      .where(
        'a.interface_id',
        'in',
        vlanInterfaces.map((i) => i.id),
      )
      .returning(['a.ip', 'a.subnet_id', 'a.alloc_type', 'a.interface_id', 'a.mac_address', 's.vlan_id'])
      .execute();
    // Addresses without a subnet (none are assigned ones) go with the interface's row.
    for (const address of addresses) {
      const owner = address.interface_id === null ? undefined : byId.get(address.interface_id);
      if (!owner || address.ip === null || address.subnet_id === null) continue;
      if (!assigned.includes(address.alloc_type as (typeof assigned)[number])) continue;
      const hostname = owner.hostname;
      changes.push({
        kind: 'dhcp.host',
        action: 'remove',
        subnetId: address.subnet_id,
        vlanId: address.vlan_id,
        ip: address.ip,
        mac: address.mac_address ?? owner.mac_address,
        hostname,
      });
      if (hostname !== null && owner.domain !== null)
        changes.push({
          kind: 'dns.address',
          action: 'remove',
          subnetId: address.subnet_id,
          fqdn: `${interfaceLabel(owner.name)}.${hostname}.${owner.domain}`,
          ip: address.ip,
          ttl: null,
        });
    }
    await trx
      .deleteFrom('ip_addresses')
      .where('interface_id', 'in', [...byId.keys()])
      .execute();
    await trx
      .deleteFrom('interfaces')
      .where('id', 'in', [...byId.keys()])
      .execute();
  }

  await trx
    .updateTable('interfaces')
    .set({ vlan_id: fallback.id, updated: new Date() })
    .where('vlan_id', '=', vlan.id)
    .execute();
  const moved = await trx
    .updateTable('subnets')
    .set({ vlan_id: fallback.id, updated: new Date() })
    .where('vlan_id', '=', vlan.id)
    .returning('id')
    .execute();
  for (const subnet of moved) changes.push({ kind: 'dhcp.subnet', subnetId: subnet.id, vlanId: fallback.id });

  await trx.deleteFrom('vlans').where('id', '=', vlan.id).execute();
  if (vlan.dhcp_on || vlan.relay_vlan_id !== null) changes.push({ kind: 'dhcp.vlan', vlanId: vlan.id });
  for (const other of relaying) changes.push({ kind: 'dhcp.vlan', vlanId: other.id });
  return changes;
}
