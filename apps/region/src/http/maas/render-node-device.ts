import { enumLabelOf, hardwareTypes } from '@ferrum/domain';
import type { NodeDeviceRow } from '../../db/schema.js';
import type { MachineView } from '../../services/machine-store.js';
import { nodeDeviceBuses } from '../../services/hardware-node-devices.js';
import { renderBlockDevice } from './render-machine.js';
import { renderInterface } from './render-interface.js';
import { resourceUri } from './render.js';

/**
 * MAAS's node device JSON (NodeDeviceHandler's fields): the NIC or disk it is, in full as
 * MAAS's emitter nests them, `numa_node` as the node's index, `pci_address` null on USB.
 */
export function renderNodeDevice(view: MachineView, device: NodeDeviceRow) {
  const systemId = view.machine.system_id;
  const nodeUri = resourceUri('nodes', systemId);
  const disk = view.blockDevices.find((d) => d.id === device.block_device_id);
  const iface = view.interfaces.find((i) => i.id === device.interface_id);
  return {
    id: device.id,
    bus: device.bus,
    bus_name: enumLabelOf(nodeDeviceBuses, device.bus),
    hardware_type: device.hardware_type,
    hardware_type_name: enumLabelOf(hardwareTypes, device.hardware_type),
    system_id: systemId,
    numa_node: device.numa_node,
    physical_blockdevice: disk ? renderBlockDevice(view, disk, nodeUri) : null,
    physical_interface: iface ? renderInterface(systemId, iface) : null,
    vendor_id: device.vendor_id,
    product_id: device.product_id,
    vendor_name: device.vendor_name,
    product_name: device.product_name,
    commissioning_driver: device.commissioning_driver,
    bus_number: device.bus_number,
    device_number: device.device_number,
    pci_address: device.bus === nodeDeviceBuses.pcie.value ? device.address : null,
    resource_uri: `${nodeUri}devices/${String(device.id)}/`,
  };
}
