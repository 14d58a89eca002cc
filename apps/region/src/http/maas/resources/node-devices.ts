import { AppError, readHardwareType } from '@ferrum/domain';
import { crud, currentUser, type ActionContext, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderNodeDevice } from '../render-node-device.js';
import { readBus, type NodeDeviceFilters } from '../../../services/node-device-service.js';

const systemIdDoc = ":param system_id: The node's system_id.\n:type system_id: String";
const idDoc = `${systemIdDoc}\n\n:param id: The device's id, its bus:device numbers, or its PCI address.\n:type id: String`;

function deviceFilters(form: FormParams): NodeDeviceFilters {
  const text = (key: string) => {
    const value = form.get(key);
    return value === undefined || value === '' ? undefined : value;
  };
  const filters: { -readonly [K in keyof NodeDeviceFilters]: NodeDeviceFilters[K] } = {
    vendorId: text('vendor_id'),
    productId: text('product_id'),
    vendorName: text('vendor_name'),
    productName: text('product_name'),
    commissioningDriver: text('commissioning_driver'),
  };
  const bus = text('bus');
  if (bus !== undefined) {
    filters.bus = readBus(bus);
    if (filters.bus === undefined) throw AppError.invalid({ bus: 'Bus must be PCIE or USB!' });
  }
  const hardware = text('hardware_type');
  if (hardware !== undefined) {
    const read = readHardwareType(hardware);
    if (!read.ok) throw AppError.invalid({ hardware_type: read.error });
    filters.hardwareType = read.value;
  }
  return filters;
}

/** The machine's view: the NICs and disks its devices nest. */
function viewOf(ctx: ActionContext) {
  return ctx.services.machines.get(ctx.params['system_id'] ?? '', currentUser(ctx));
}

export const nodeDevicesHandlers: HandlerDef[] = [
  {
    name: 'NodeDevicesHandler',
    doc: 'View NodeDevices from a Node.',
    path: '/nodes/{system_id}/devices/',
    actions: [
      crud(
        'read',
        'user',
        `Return a list of devices attached to the node given by a system_id.\n\n${systemIdDoc}\n\n` +
          ':param bus: Only return devices attached to the specified bus. Can be PCIE or USB. Defaults to all.\n:type bus: String\n\n' +
          ':param hardware_type: Only return devices of the given hardware type: node, cpu, memory, storage, network or gpu.\n:type hardware_type: String\n\n' +
          ':param vendor_id: Only return devices which have the specified vendor id.\n:type vendor_id: String\n\n' +
          ':param product_id: Only return devices which have the specified product id.\n:type product_id: String\n\n' +
          ':param vendor_name: Only return devices which have the specified vendor_name.\n:type vendor_name: String\n\n' +
          ':param product_name: Only return devices which have the specified product_name.\n:type product_name: String\n\n' +
          ':param commissioning_driver: Only return devices which use the specified driver when commissioning.\n:type commissioning_driver: String',
        async (ctx) => {
          const filters = deviceFilters(ctx.form);
          const view = await viewOf(ctx);
          const devices = await ctx.services.nodeDevices.list(view.machine, filters);
          return devices.map((d) => renderNodeDevice(view, d));
        },
      ),
    ],
  },
  {
    name: 'NodeDeviceHandler',
    doc: 'View a specific NodeDevice from a Node.',
    path: '/nodes/{system_id}/devices/{id}/',
    actions: [
      crud(
        'read',
        'user',
        `Return a node device with the given system_id and node device id.\n\n${idDoc}`,
        async (ctx) => {
          const view = await viewOf(ctx);
          return renderNodeDevice(
            view,
            await ctx.services.nodeDevices.get(view.machine, ctx.params['id'] ?? ''),
          );
        },
      ),
      crud(
        'delete',
        'admin',
        `Delete a node device with the given system_id and id. If the device is still present in the system it will be recreated when the node is commissioned.\n\n${idDoc}`,
        async (ctx) => {
          const machine = await ctx.services.machines.row(ctx.params['system_id'] ?? '', currentUser(ctx));
          await ctx.services.nodeDevices.delete(machine, ctx.params['id'] ?? '');
        },
      ),
    ],
  },
];
