import type { Kysely } from 'kysely';
import type { Database, MachineRow, NumaNode } from '../db/schema.js';
import type { EventService } from './event-service.js';
import type { NetworkChanges } from './network-changes.js';
import { currentScriptSets } from './current-script-sets.js';
import { removeGoneInterfaces } from './hardware-gone-interfaces.js';
import type { HardwareSink } from './metadata-hardware.js';
import { parseLxdResources, type ResourcesInventory } from './lxd-resources.js';
import { dmiKeys, statusFromValue } from '@ferrum/domain';
import { syncBlockDevices, type DiskMatch } from './hardware-block-devices.js';
import { syncPhysicalInterfaces, type NicSync } from './hardware-interfaces.js';
import { syncNodeDevices } from './hardware-node-devices.js';
import { machineRow } from './machine-service.js';

export interface HardwareInventoryDeps {
  readonly db: Kysely<Database>;
  /** Where a NIC whose MAC another node holds is reported (a WARNING event of the machine). */
  readonly events?: EventService;
  /** Where the DHCP and DNS changes of interfaces commissioning no longer finds go. */
  readonly networkChanges?: NetworkChanges;
}

/** What applying an inventory changed (undefined for what the commissioning said to skip). */
export interface InventoryResult {
  readonly disks: DiskMatch | undefined;
  readonly nics: NicSync | undefined;
  /** The physical interfaces deleted because the document no longer lists their MAC. */
  readonly removedInterfaces: readonly string[];
}

/** The tag MAAS gives machines whose DMI says they are virtual. */
const VIRTUAL_TAG = 'virtual';

/**
 * The region side of commissioning's hardware discovery (MAAS's process_lxd_results): reads the
 * resources document and records it on the machine in one transaction holding the machine's
 * row lock: CPU, memory, NUMA nodes, DMI facts (hardware_info, hardware UUID, `virtual` tag),
 * the kernel's architecture, block devices matched in place, physical interfaces by MAC, PCI
 * and USB devices by slot. A document it cannot read is refused (400) before anything is written.
 */
export class HardwareInventory implements HardwareSink {
  constructor(private readonly deps: HardwareInventoryDeps) {}

  async applyResources(systemId: string, document: unknown): Promise<void> {
    await this.apply(systemId, parseLxdResources(document));
  }

  /** Records an inventory already read. */
  apply(systemId: string, inventory: ResourcesInventory): Promise<InventoryResult> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await machineRow(trx, systemId, { lock: true });
      await trx
        .updateTable('machines')
        .set({
          cpu_count: inventory.cpuCount,
          cpu_speed: inventory.cpuSpeed,
          memory: inventory.memory,
          numa_nodes: JSON.stringify(numaNodes(inventory)),
          hardware_info: JSON.stringify(hardwareInfo(row, inventory)),
          hardware_uuid: await freeUuid(trx, row, inventory.hardwareUuid),
          architecture: architecture(row.architecture, inventory.kernelArchitecture),
          updated: new Date(),
        })
        .where('id', '=', row.id)
        .execute();
      // MAAS's skip_storage and skip_networking: the administrator's storage or network
      // configuration stays as it is (only for the commissioning that was asked so).
      const commissioning =
        statusFromValue(row.status) === 'COMMISSIONING'
          ? (await currentScriptSets(trx, row.id, ['commissioning']))[0]
          : undefined;
      const disks = commissioning?.skip_storage
        ? undefined
        : await syncBlockDevices(trx, row.id, inventory.disks);
      // Interfaces a re-commissioning no longer finds go; a deployed machine's stay (its
      // addresses are in use), as do all when networking is skipped.
      const gone =
        commissioning && !commissioning.skip_networking
          ? await removeGoneInterfaces(trx, row, inventory.nics)
          : { removed: [], changes: [] };
      await this.deps.networkChanges?.emit(trx, gone.changes);
      const nics = commissioning?.skip_networking
        ? undefined
        : await syncPhysicalInterfaces(trx, row.id, inventory.nics);
      await syncNodeDevices(trx, row.id, inventory.devices);
      await setTag(trx, row.id, VIRTUAL_TAG, inventory.virtual);
      const report = (level: 'INFO' | 'WARNING', description: string) =>
        this.deps.events?.record(
          {
            type: 'Commissioning',
            level,
            description,
            nodeSystemId: row.system_id,
            nodeHostname: row.hostname,
          },
          trx,
        );
      for (const iface of gone.removed)
        await report(
          'INFO',
          `Interface ${iface.name} (${iface.mac_address}) was deleted: commissioning no longer found it`,
        );
      for (const { mac, holder } of nics?.heldElsewhere ?? [])
        await report('WARNING', `Interface ${mac} found by commissioning was not added: ${holder}`);
      return { disks, nics, removedInterfaces: gone.removed.map((i) => i.name) };
    });
  }
}

/** MAAS's numanode_set: cores, memory (MiB) and huge pages (bytes) of each node. */
function numaNodes(inventory: ResourcesInventory): NumaNode[] {
  return inventory.numaNodes.map((n) => ({
    index: n.index,
    cores: n.cores,
    memory: n.memory,
    ...(n.hugepages
      ? { hugepages: [{ page_size: n.hugepages.pageSize, total: n.hugepages.pageSize * n.hugepages.count }] }
      : {}),
  }));
}

/**
 * The machine's hardware_info with the document's DMI facts: those DMI no longer gives go (as
 * MAAS deletes their NodeMetadata), the CPU model is replaced only when one is found, keys that
 * are not DMI's stay.
 */
function hardwareInfo(row: MachineRow, inventory: ResourcesInventory): Record<string, string> {
  const info: Record<string, string> = {};
  for (const [key, value] of Object.entries(row.hardware_info)) if (!dmiKeys.includes(key)) info[key] = value;
  if (inventory.cpuModel !== undefined) info['cpu_model'] = inventory.cpuModel;
  return { ...info, ...inventory.hardwareInfo };
}

/**
 * The hardware UUID, unless another machine has it (MAAS LP 1893690: some vendors give every
 * machine the same one): then none, since it does not identify the machine.
 */
async function freeUuid(trx: Kysely<Database>, row: MachineRow, uuid: string | null): Promise<string | null> {
  if (uuid === null) return null;
  const other = await trx
    .selectFrom('machines')
    .select('id')
    .where('hardware_uuid', '=', uuid)
    .where('id', '<>', row.id)
    .executeTakeFirst();
  return other ? null : uuid;
}

/**
 * MAAS's _process_lxd_environment: the running kernel's architecture, keeping the machine's
 * subarchitecture when it is the same architecture (a specific one beats `generic`).
 */
function architecture(current: string, kernel: string | undefined): string {
  if (kernel === undefined) return current;
  const [arch, subarch] = current.split('/');
  return arch === kernel && subarch ? current : `${kernel}/generic`;
}

/** Adds or removes an automatic tag (created when first needed). */
async function setTag(trx: Kysely<Database>, machineId: number, name: string, on: boolean): Promise<void> {
  if (!on) {
    await trx
      .deleteFrom('machine_tags')
      .where('machine_id', '=', machineId)
      .where('tag_id', 'in', trx.selectFrom('tags').select('id').where('name', '=', name))
      .execute();
    return;
  }
  await trx
    .insertInto('tags')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const tag = await trx.selectFrom('tags').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  await trx
    .insertInto('machine_tags')
    .values({ machine_id: machineId, tag_id: tag.id })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
