import type { ResourceFields, JsonObject } from './lxd-resource-fields.js';
import { pciAddressOfPath } from './lxd-resources-devices.js';

/** A disk as commissioning found it (MAAS's PhysicalBlockDevice fields). */
export interface InventoryDisk {
  /** The kernel's name (`sda`, `nvme0n1`). */
  readonly name: string;
  /** `/dev/disk/by-id/…` when the disk has a serial and an id, else `/dev/<name>` (MAAS's rule). */
  readonly idPath: string;
  readonly model: string;
  readonly serial: string;
  /** Bytes. */
  readonly size: number;
  readonly blockSize: number;
  readonly firmwareVersion: string | null;
  readonly numaNode: number;
  readonly tags: readonly string[];
  /** The controller's slot (an NVMe drive's PCI address, a USB stick's `bus:device`), when known. */
  readonly deviceAddress: string | null;
}

/** MAAS's MIN_BLOCK_DEVICE_SIZE: it does not model disks of 4 MiB or less. */
const MIN_BLOCK_DEVICE_SIZE = 4 * 1024 * 1024;

/** Stacked bcache devices (MAAS's is_virtual_bcache_holder): backed by disks already listed. */
const bcacheHolder = /^bcache\d+$/;

/**
 * The disks of `storage.disks` MAAS models (`_update_node_physical_block_devices`): not the
 * read-only ones, CD-ROMs, loop devices, bcache holders or those of 4 MiB or less.
 */
export function parseDisks(fields: ResourceFields, storage: JsonObject, path: string): InventoryDisk[] {
  const disks: InventoryDisk[] = [];
  const names = new Set<string>();
  for (const { value: disk, path: at } of fields.objects(storage, 'disks', path)) {
    const name = fields.string(disk, 'id', at, true);
    if (name !== undefined && names.has(name)) fields.add(`${at}.id`, `Disk '${name}' is listed twice.`);
    if (name !== undefined) names.add(name);
    const size = fields.count(disk, 'size', at, true);
    const type = fields.string(disk, 'type', at) ?? '';
    const readOnly = fields.bool(disk, 'read_only', at) ?? false;
    const removable = fields.bool(disk, 'removable', at) ?? false;
    const rpm = fields.count(disk, 'rpm', at) ?? 0;
    const model = fields.string(disk, 'model', at) ?? '';
    const serial = fields.string(disk, 'serial', at) ?? '';
    const deviceId = fields.string(disk, 'device_id', at) ?? '';
    const blockSize = fields.count(disk, 'block_size', at) ?? 0;
    const firmwareVersion = fields.string(disk, 'firmware_version', at) ?? null;
    const numaNode = fields.count(disk, 'numa_node', at) ?? 0;
    const deviceAddress =
      (
        fields.string(disk, 'pci_address', at) ??
        fields.string(disk, 'usb_address', at) ??
        pciAddressOfPath(fields.string(disk, 'device_path', at) ?? '')
      )?.toLowerCase() ?? null;
    if (name === undefined || size === undefined) continue;
    if (readOnly || type === 'cdrom' || bcacheHolder.test(name)) continue;
    // No serial is a strong sign of a virtual disk, whose by-id name would not last: MAAS
    // then falls back to the kernel's name.
    const idPath = deviceId !== '' && serial !== '' ? `/dev/disk/by-id/${deviceId}` : `/dev/${name}`;
    // Loop devices will not be there on the next boot.
    if (idPath.startsWith('/dev/loop') || size <= MIN_BLOCK_DEVICE_SIZE) continue;
    disks.push({
      name,
      idPath,
      model,
      serial,
      size,
      // LXD reports 0 when it does not know; MAAS takes the minimum then.
      blockSize: blockSize || 512,
      firmwareVersion,
      numaNode,
      tags: diskTags({ rpm, removable, type }),
      deviceAddress,
    });
  }
  return disks;
}

/**
 * MAAS's `_get_tags_from_block_info`: rotary and `<n>rpm` for a spinning disk, ssd otherwise,
 * removable, sata. Ferrum adds `nvme` for NVMe disks (MAAS tags those `ssd` only), so storage
 * constraints can ask for them.
 */
export function diskTags(disk: { rpm: number; removable: boolean; type: string }): string[] {
  const tags = disk.rpm > 0 ? ['rotary', `${String(disk.rpm)}rpm`] : ['ssd'];
  if (disk.removable) tags.push('removable');
  if (disk.type === 'sata') tags.push('sata');
  if (disk.type === 'nvme') tags.push('nvme');
  return tags;
}
