import type { HardwareType } from '@ferrum/domain';
import type { JsonObject, ResourceFields } from './lxd-resource-fields.js';

/** A PCIe or USB device as commissioning found it (MAAS's NodeDevice). */
export interface InventoryDevice {
  readonly bus: 'pcie' | 'usb';
  /** Four lower-case hex digits. */
  readonly vendorId: string;
  readonly productId: string;
  readonly vendorName: string;
  readonly productName: string;
  /** The kernel driver bound to it ("" when none); a USB device's drivers, comma separated. */
  readonly driver: string;
  readonly numaNode: number;
  /** The slot: the PCI address (BDF, lower case) of a PCIe device, `bus:device` of a USB one. */
  readonly address: string;
  readonly busNumber: number;
  readonly deviceNumber: number;
  /** What the device is: a NIC's, a disk's, a GPU, else `node`. */
  readonly hardwareType: Extract<HardwareType, 'node' | 'storage' | 'network' | 'gpu'>;
  /** The MAC of the NIC port it is (its first), when it is a NIC. */
  readonly interfaceMac: string | null;
  /** The kernel name of the disk it is, when it is a disk (an NVMe drive). */
  readonly diskName: string | null;
}

/** What the rest of the document says the devices are, by slot address. */
export interface DeviceRoles {
  /** NIC card address → the MAC of its first port. */
  readonly nics: ReadonlyMap<string, string>;
  /** Disk address → the disk's kernel name. */
  readonly disks: ReadonlyMap<string, string>;
  readonly gpus: ReadonlySet<string>;
}

/** PCI and USB vendor and product ids: 2 bytes in hex. */
const deviceId = /^[\da-f]{4}$/i;
/** A PCI address in BDF notation, the domain optional (`0000:3b:00.1`). */
const bdf = /^(?:[\da-f]+:)?([\da-f]+):([\da-f]+)\.[\da-f]+$/i;
/** LXD's USB addresses are numbers; MAAS's model caps them at 2^16. */
const MAX_NUMBER = 2 ** 16;

/** The PCI address of a slot path such as a disk's `device_path` (`pci-0000:5e:00.0-nvme-1`). */
export function pciAddressOfPath(devicePath: string): string | undefined {
  const match = /^pci-([\da-f:.]+)-/i.exec(devicePath);
  return match?.[1]?.toLowerCase();
}

/**
 * The devices of `pci.devices` and `usb.devices` (MAAS's update_node_devices): each with the
 * hardware type and the NIC or disk it is, from `roles`. A device listed twice in one slot is
 * taken once. Ids that are not 4 hex digits and PCI addresses that are not BDF are problems of
 * the document, named by their path.
 */
export function parseDevices(
  fields: ResourceFields,
  resources: JsonObject,
  root: string,
  roles: DeviceRoles,
): InventoryDevice[] {
  const at = (key: string) => (root === '' ? key : `${root}.${key}`);
  const devices: InventoryDevice[] = [];
  const seen = new Set<string>();
  const add = (device: Omit<InventoryDevice, 'hardwareType' | 'interfaceMac' | 'diskName'>) => {
    const key = `${device.bus} ${device.address}`;
    if (seen.has(key)) return;
    seen.add(key);
    const interfaceMac = roles.nics.get(device.address) ?? null;
    const diskName = roles.disks.get(device.address) ?? null;
    const hardwareType =
      interfaceMac !== null
        ? 'network'
        : diskName !== null
          ? 'storage'
          : roles.gpus.has(device.address)
            ? 'gpu'
            : 'node';
    devices.push({ ...device, hardwareType, interfaceMac, diskName });
  };

  const pci = fields.object(resources, 'pci', root);
  for (const { value: device, path } of pci ? fields.objects(pci, 'devices', at('pci')) : []) {
    const ids = readIds(fields, device, path);
    const address = fields.string(device, 'pci_address', path, true);
    const slot = address === undefined ? undefined : bdf.exec(address);
    if (address !== undefined && !slot)
      fields.add(`${path}.pci_address`, `'${address}' is not a PCI address (domain:bus:device.function).`);
    if (!ids || address === undefined || !slot) continue;
    add({
      bus: 'pcie',
      ...ids,
      ...names(fields, device, path),
      driver: fields.string(device, 'driver', path) ?? '',
      numaNode: fields.count(device, 'numa_node', path) ?? 0,
      address: address.toLowerCase(),
      busNumber: Number.parseInt(slot[1] ?? '', 16),
      deviceNumber: Number.parseInt(slot[2] ?? '', 16),
    });
  }

  const usb = fields.object(resources, 'usb', root);
  for (const { value: device, path } of usb ? fields.objects(usb, 'devices', at('usb')) : []) {
    const ids = readIds(fields, device, path);
    const busNumber = fields.count(device, 'bus_address', path, true);
    const deviceNumber = fields.count(device, 'device_address', path, true);
    for (const [key, value] of [
      ['bus_address', busNumber],
      ['device_address', deviceNumber],
    ] as const)
      if (value !== undefined && value > MAX_NUMBER)
        fields.add(`${path}.${key}`, `Must be at most ${String(MAX_NUMBER)}.`);
    // A USB device's interfaces may each have a driver (a webcam: video and audio).
    const drivers = new Set<string>();
    for (const { value: iface, path: ifacePath } of fields.objects(device, 'interfaces', path)) {
      const driver = fields.string(iface, 'driver', ifacePath);
      if (driver) drivers.add(driver);
    }
    if (!ids || busNumber === undefined || deviceNumber === undefined) continue;
    if (busNumber > MAX_NUMBER || deviceNumber > MAX_NUMBER) continue;
    add({
      bus: 'usb',
      ...ids,
      ...names(fields, device, path),
      driver: [...drivers].sort().join(', '),
      // LXD does not place USB devices on a NUMA node; MAAS puts them on the first.
      numaNode: 0,
      address: `${String(busNumber)}:${String(deviceNumber)}`,
      busNumber,
      deviceNumber,
    });
  }
  return devices;
}

function readIds(
  fields: ResourceFields,
  device: JsonObject,
  path: string,
): { vendorId: string; productId: string } | undefined {
  const read = (key: string) => {
    const value = fields.string(device, key, path, true);
    if (value === undefined) return undefined;
    if (!deviceId.test(value)) {
      fields.add(`${path}.${key}`, `'${value}' is not a device id (4 hex digits).`);
      return undefined;
    }
    return value.toLowerCase();
  };
  const vendorId = read('vendor_id');
  const productId = read('product_id');
  return vendorId === undefined || productId === undefined ? undefined : { vendorId, productId };
}

function names(fields: ResourceFields, device: JsonObject, path: string) {
  return {
    vendorName: fields.string(device, 'vendor', path) ?? '',
    productName: fields.string(device, 'product', path) ?? '',
  };
}
