import type { Kysely } from 'kysely';
import { AllocType, type Database } from '../db/schema.js';
import { removeLinks } from './device-removal.js';
import type { NetworkChange } from './network-changes.js';

/**
 * MAAS's set_initial_networking_configuration for a device (what both restore operations do
 * to one), in `trx`: the links its interfaces have go (observed addresses stay), then the boot
 * interface gets AUTO on each subnet it was observed on, else AUTO on a managed subnet of its
 * VLAN, else DHCP without a subnet; every other enabled interface is LINK_UP. A device is
 * never deployed, so AUTO links stay without an address. Returns the DHCP and DNS removes of
 * the addresses that went, for the caller to emit.
 */
export async function setInitialNetworking(
  trx: Kysely<Database>,
  deviceId: number,
): Promise<NetworkChange[]> {
  const interfaces = await trx
    .selectFrom('interfaces')
    .select(['id', 'type', 'vlan_id', 'enabled', 'is_boot'])
    .where('device_id', '=', deviceId)
    .orderBy('id')
    .forUpdate()
    .execute();
  const changes = await removeLinks(
    trx,
    interfaces.map((i) => i.id),
    { keepDiscovered: true },
  );
  // MAAS's get_boot_interface: the one marked boot, else the first physical interface.
  const boot =
    interfaces.find((i) => i.is_boot) ?? interfaces.find((i) => i.type === 'physical') ?? interfaces[0];
  if (!boot) return changes;

  const links: { interface_id: number; alloc_type: number; subnet_id: number | null }[] = [];
  const observed = await trx
    .selectFrom('ip_addresses')
    .select('subnet_id')
    .distinct()
    .where('interface_id', '=', boot.id)
    .where('alloc_type', '=', AllocType.discovered)
    .where('subnet_id', 'is not', null)
    .orderBy('subnet_id')
    .execute();
  for (const { subnet_id } of observed)
    links.push({ interface_id: boot.id, alloc_type: AllocType.auto, subnet_id });
  if (links.length === 0) {
    const managed =
      boot.vlan_id === null ? undefined : await firstSubnetOf(trx, boot.vlan_id, { managedOnly: true });
    links.push(
      managed === undefined
        ? { interface_id: boot.id, alloc_type: AllocType.dhcp, subnet_id: null }
        : { interface_id: boot.id, alloc_type: AllocType.auto, subnet_id: managed },
    );
  }
  for (const iface of interfaces) {
    if (iface.id === boot.id || !iface.enabled) continue;
    // LINK_UP: a STICKY link without an address, on a subnet of the VLAN when it has one.
    const subnet =
      iface.vlan_id === null ? undefined : await firstSubnetOf(trx, iface.vlan_id, { managedOnly: false });
    links.push({ interface_id: iface.id, alloc_type: AllocType.sticky, subnet_id: subnet ?? null });
  }
  await trx
    .insertInto('ip_addresses')
    .values(links.map((link) => ({ ...link, ip: null })))
    .execute();
  return changes;
}

async function firstSubnetOf(
  trx: Kysely<Database>,
  vlanId: number,
  options: { readonly managedOnly: boolean },
): Promise<number | undefined> {
  let query = trx.selectFrom('subnets').select('id').where('vlan_id', '=', vlanId).orderBy('id').limit(1);
  if (options.managedOnly) query = query.where('managed', '=', true);
  return (await query.executeTakeFirst())?.id;
}
