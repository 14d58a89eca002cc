import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { InventoryNic } from './lxd-resources.js';
import { macHolder } from './interface-writes.js';

/** What `syncPhysicalInterfaces` did: interfaces updated and created, MACs another node holds. */
export interface NicSync {
  readonly updated: readonly number[];
  readonly created: readonly number[];
  /** MACs left alone, with MAAS's words for who holds them. */
  readonly heldElsewhere: readonly { readonly mac: string; readonly holder: string }[];
}

/** Interface names Linux allows (IFNAMSIZ 16 with the NUL; no slash or whitespace). */
const validName = /^[^\s/:]{1,15}$/;

/**
 * Records the NICs commissioning found on the machine, in the caller's transaction with the
 * machine's row locked. A physical interface with the NIC's MAC gets the hardware facts
 * (vendor, product, firmware, speeds, link, NUMA node, SR-IOV; `sriov` tag as MAAS adds);
 * its name, VLAN and links, which an administrator may have set, stay. A new MAC becomes a new
 * physical interface, on no VLAN (disconnected) as machine creation adds them, named as the
 * kernel names the port unless the machine has that name already (then MAAS's next ethN). A
 * MAC another node holds is left to it. When the machine has no boot interface, its first
 * physical one becomes it. Interfaces the document does not list stay.
 */
export async function syncPhysicalInterfaces(
  trx: Kysely<Database>,
  machineId: number,
  nics: readonly InventoryNic[],
): Promise<NicSync> {
  const existing = await trx
    .selectFrom('interfaces')
    .select(['id', 'name', 'type', 'tags', 'is_boot', sql<string>`mac_address::text`.as('mac')])
    .where('machine_id', '=', machineId)
    .orderBy('id')
    .execute();
  const names = new Set(existing.map((i) => i.name));
  const updated: number[] = [];
  const created: number[] = [];
  const heldElsewhere: { mac: string; holder: string }[] = [];
  for (const nic of nics) {
    const facts = {
      vendor: nic.vendor,
      product: nic.product,
      firmware_version: nic.firmwareVersion,
      link_connected: nic.linkConnected,
      link_speed: nic.linkSpeed,
      interface_speed: nic.interfaceSpeed,
      numa_node: nic.numaNode,
      sriov_max_vf: nic.sriovMaxVf,
    };
    const iface = existing.find((i) => i.type === 'physical' && i.mac === nic.mac);
    if (iface) {
      const tags =
        nic.sriovMaxVf > 0 && !iface.tags.includes('sriov') ? [...iface.tags, 'sriov'] : iface.tags;
      await trx
        .updateTable('interfaces')
        .set({ ...facts, tags, updated: new Date() })
        .where('id', '=', iface.id)
        .execute();
      updated.push(iface.id);
      continue;
    }
    const holder = await macHolder(trx, nic.mac);
    if (holder) {
      heldElsewhere.push({ mac: nic.mac, holder });
      continue;
    }
    const name = validName.test(nic.name) && !names.has(nic.name) ? nic.name : nextIfname(names);
    names.add(name);
    const row = await trx
      .insertInto('interfaces')
      .values({
        machine_id: machineId,
        name,
        mac_address: nic.mac,
        tags: nic.sriovMaxVf > 0 ? ['sriov'] : [],
        ...facts,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    created.push(row.id);
  }
  if (!existing.some((i) => i.is_boot)) {
    const first = await trx
      .selectFrom('interfaces')
      .select('id')
      .where('machine_id', '=', machineId)
      .where('type', '=', 'physical')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (first)
      await trx.updateTable('interfaces').set({ is_boot: true }).where('id', '=', first.id).execute();
  }
  return { updated, created, heldElsewhere };
}

/** MAAS's get_next_ifname: the first ethN the machine does not have. */
function nextIfname(names: ReadonlySet<string>): string {
  for (let n = 0; ; n++) {
    const name = `eth${String(n)}`;
    if (!names.has(name)) return name;
  }
}
