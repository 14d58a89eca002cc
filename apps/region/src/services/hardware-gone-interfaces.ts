import type { Kysely } from 'kysely';
import { statusFromValue } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import type { InventoryNic } from './lxd-resources.js';
import { deleteInterfaces, nodeInterfaces, type NodeInterface } from './interface-writes.js';
import { linkNodeOf } from './link-changes.js';
import type { NetworkChange } from './network-changes.js';

/** What `removeGoneInterfaces` deleted, and the DHCP and DNS changes that go with it. */
export interface GoneInterfaces {
  readonly removed: readonly Pick<NodeInterface, 'id' | 'name' | 'mac_address'>[];
  readonly changes: readonly NetworkChange[];
}

/**
 * Deletes the machine's physical interfaces whose MAC the commissioning document no longer
 * lists (a NIC taken out; MAAS's update_node_interfaces does the same), with the bonds, bridges
 * and VLANs left without a parent and their addresses. Nothing is deleted when the document
 * lists no NIC at all: a machine that booted from the network has one, so such a document is
 * one the ephemeral environment got wrong, not a machine without NICs.
 */
export async function removeGoneInterfaces(
  trx: Kysely<Database>,
  row: MachineRow,
  nics: readonly InventoryNic[],
): Promise<GoneInterfaces> {
  if (nics.length === 0) return { removed: [], changes: [] };
  const interfaces = await nodeInterfaces(trx, {
    kind: 'machine',
    id: row.id,
    systemId: row.system_id,
    hostname: row.hostname,
    domainId: row.domain_id,
    ownerId: row.owner_id,
    status: statusFromValue(row.status),
  });
  const present = new Set(nics.map((n) => n.mac));
  const gone = interfaces.filter((i) => i.type === 'physical' && !present.has(i.mac_address));
  const first = gone[0];
  if (!first) return { removed: [], changes: [] };
  const linkNode = await linkNodeOf(trx, first.id);
  if (!linkNode) return { removed: [], changes: [] };
  // All at once: a bond of two NICs that are both gone goes with them.
  const changes = await deleteInterfaces(trx, { interfaces, linkNode }, gone);
  return { removed: gone, changes };
}
