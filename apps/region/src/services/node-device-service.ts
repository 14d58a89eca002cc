import { sql, type Kysely } from 'kysely';
import { AppError, hardwareTypes, type HardwareType } from '@ferrum/domain';
import type { Database, MachineRow, NodeDeviceRow } from '../db/schema.js';
import { nodeDeviceBuses } from './hardware-node-devices.js';

/** Which of a machine's devices the list answers (MAAS's NodeDevicesHandler.read filters). */
export interface NodeDeviceFilters {
  readonly bus?: keyof typeof nodeDeviceBuses | undefined;
  readonly hardwareType?: HardwareType | undefined;
  /** Compared without regard to case, as MAAS's `__iexact`. */
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
  readonly vendorName?: string | undefined;
  readonly productName?: string | undefined;
  readonly commissioningDriver?: string | undefined;
}

const notFound = () => new AppError('not_found', 'No NodeDevice matches the given query.');

/** A bus by MAAS's name (PCIE, USB, either case) or number; undefined when it is neither. */
export function readBus(text: string): keyof typeof nodeDeviceBuses | undefined {
  const lower = text.toLowerCase();
  for (const [name, { value }] of Object.entries(nodeDeviceBuses))
    if (lower === name || text === String(value)) return name as keyof typeof nodeDeviceBuses;
  return undefined;
}

/**
 * A machine's PCI and USB devices as commissioning recorded them (MAAS's nodes/{system_id}/devices/):
 * list them with filters, read one by id, `bus:device` or PCI address, delete one (it comes back
 * if the machine still has it when next commissioned).
 */
export class NodeDeviceService {
  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  list(machine: Pick<MachineRow, 'id'>, filters: NodeDeviceFilters = {}): Promise<NodeDeviceRow[]> {
    let query = this.deps.db.selectFrom('node_devices').selectAll().where('machine_id', '=', machine.id);
    if (filters.bus !== undefined) query = query.where('bus', '=', nodeDeviceBuses[filters.bus].value);
    if (filters.hardwareType !== undefined)
      query = query.where('hardware_type', '=', hardwareTypes[filters.hardwareType].value);
    const iexact = [
      ['vendor_id', filters.vendorId],
      ['product_id', filters.productId],
      ['vendor_name', filters.vendorName],
      ['product_name', filters.productName],
      ['commissioning_driver', filters.commissioningDriver],
    ] as const;
    for (const [column, value] of iexact)
      if (value !== undefined)
        query = query.where(sql<string>`lower(${sql.ref(column)})`, '=', value.toLowerCase());
    return query.orderBy('id').execute();
  }

  /**
   * One device: `key` is its id, `bus:device` (its bus and device numbers, decimal) or its PCI
   * address. 404 when the machine has none such; 400 when `key` is none of those forms.
   */
  async get(machine: Pick<MachineRow, 'id'>, key: string): Promise<NodeDeviceRow> {
    const query = this.deps.db.selectFrom('node_devices').selectAll().where('machine_id', '=', machine.id);
    let found: NodeDeviceRow | undefined;
    if (/^\d{1,9}$/.test(key)) found = await query.where('id', '=', Number(key)).executeTakeFirst();
    else if (/^\d{1,5}:\d{1,5}$/.test(key)) {
      const [bus, device] = key.split(':').map(Number);
      const matches = await query
        .where('bus_number', '=', bus ?? -1)
        .where('device_number', '=', device ?? -1)
        .execute();
      // bus:device is how USB devices are known (lsusb); a PCIe device's numbers come from its
      // address, and the functions of one card share them.
      const usb = matches.filter((m) => m.bus === nodeDeviceBuses.usb.value);
      const candidates = usb.length > 0 ? usb : matches;
      if (candidates.length > 1)
        throw AppError.invalid({
          id: `${key} is the bus and device of ${String(candidates.length)} devices: give the id or the PCI address of one.`,
        });
      found = candidates[0];
    } else if (/^(?:[\da-f]+:)?[\da-f]+:[\da-f]+\.[\da-f]+$/i.test(key))
      found = await query
        .where('bus', '=', nodeDeviceBuses.pcie.value)
        .where('address', '=', key.toLowerCase())
        .executeTakeFirst();
    else
      throw AppError.invalid({
        id: `'${key}' is not a device id, a bus:device pair or a PCI address (0000:3b:00.0).`,
      });
    if (!found) throw notFound();
    return found;
  }

  async delete(machine: Pick<MachineRow, 'id'>, key: string): Promise<void> {
    const device = await this.get(machine, key);
    await this.deps.db.deleteFrom('node_devices').where('id', '=', device.id).execute();
  }
}
