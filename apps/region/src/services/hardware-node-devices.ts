import { sql, type Kysely } from 'kysely';
import { hardwareTypes } from '@ferrum/domain';
import type { Database } from '../db/schema.js';
import type { InventoryDevice } from './lxd-resources.js';

/** MAAS's NODE_DEVICE_BUS numbers. */
export const nodeDeviceBuses = {
  pcie: { value: 1, label: 'PCIE' },
  usb: { value: 2, label: 'USB' },
} as const;

/**
 * Records the PCI and USB devices commissioning found (MAAS's update_node_devices), in the
 * caller's transaction with the machine's row locked, in two statements: devices no longer in
 * their slot go, or were replaced there by another vendor or product (a new device, a new id);
 * the others are written in place, keeping their ids, and linked to the NIC (by MAC) or disk
 * (by name) they are, which the same transaction has just recorded.
 */
export async function syncNodeDevices(
  trx: Kysely<Database>,
  machineId: number,
  devices: readonly InventoryDevice[],
): Promise<void> {
  const kept =
    devices.length === 0
      ? sql<boolean>`false`
      : sql<boolean>`(bus, address, vendor_id, product_id) IN (${sql.join(
          devices.map(
            (d) =>
              sql`(${nodeDeviceBuses[d.bus].value}::smallint, ${d.address}, ${d.vendorId}, ${d.productId})`,
          ),
        )})`;
  await trx
    .deleteFrom('node_devices')
    .where('machine_id', '=', machineId)
    .where(sql<boolean>`NOT ${kept}`)
    .execute();
  if (devices.length === 0) return;
  await trx
    .insertInto('node_devices')
    .values(
      devices.map((d) => ({
        machine_id: machineId,
        bus: nodeDeviceBuses[d.bus].value,
        hardware_type: hardwareTypes[d.hardwareType].value,
        numa_node: d.numaNode,
        interface_id:
          d.interfaceMac === null
            ? null
            : sql<number | null>`(SELECT id FROM interfaces WHERE machine_id = ${machineId}
                AND type = 'physical' AND mac_address = ${d.interfaceMac}::macaddr)`,
        block_device_id:
          d.diskName === null
            ? null
            : sql<number | null>`(SELECT id FROM block_devices WHERE machine_id = ${machineId}
                AND name = ${d.diskName})`,
        vendor_id: d.vendorId,
        product_id: d.productId,
        vendor_name: d.vendorName,
        product_name: d.productName,
        commissioning_driver: d.driver,
        bus_number: d.busNumber,
        device_number: d.deviceNumber,
        address: d.address,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['machine_id', 'bus', 'address']).doUpdateSet((eb) => ({
        hardware_type: eb.ref('excluded.hardware_type'),
        numa_node: eb.ref('excluded.numa_node'),
        interface_id: eb.ref('excluded.interface_id'),
        block_device_id: eb.ref('excluded.block_device_id'),
        vendor_name: eb.ref('excluded.vendor_name'),
        product_name: eb.ref('excluded.product_name'),
        commissioning_driver: eb.ref('excluded.commissioning_driver'),
        bus_number: eb.ref('excluded.bus_number'),
        device_number: eb.ref('excluded.device_number'),
        updated: sql`now()`,
      })),
    )
    .execute();
}
