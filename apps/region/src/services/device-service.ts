import { sql, type Kysely, type Updateable } from 'kysely';
import { AppError, generateHostname, parseId } from '@ferrum/domain';
import type { Database, DeviceRow, DevicesTable, UserRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import type { NetworkChanges } from './network-changes.js';
import type { ParamLists } from './machine-filters.js';
import { deviceListConditions, devicesVisibleTo, type DeviceCondition } from './device-filters.js';
import { loadDeviceViews, type DeviceView } from './device-store.js';
import { checkDeviceInput, macAddressesMessage, type DeviceInput } from './device-input.js';
import { deleteDevices } from './device-removal.js';
import { setInitialNetworking } from './device-networking.js';
import { newSystemId } from './system-id.js';

export interface DeviceServiceDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
  readonly networkChanges: NetworkChanges;
  /** [0, 1), for generated hostnames. */
  readonly random?: () => number;
  /** A new system_id candidate. */
  readonly systemId?: () => string;
}

/** Django's ModelChoiceField message, as MAAS's DeviceForm answers an unknown parent or zone. */
const invalidChoice = 'Select a valid choice. That choice is not one of the available choices.';
/** Django's unique message for MAAS's Node.hostname. */
const hostnameTaken = 'Node with this Hostname already exists.';
/** Tries at a free generated hostname or system_id before giving up. */
const maxDraws = 20;

function notFound(): AppError {
  return new AppError('not_found', 'No Device matches the given query.');
}

/**
 * Devices: things that hold addresses but are not deployed (Juju's containers, switches).
 * A user creates, sees and changes their own (and unowned) devices; administrators all.
 */
export class DeviceService {
  private readonly random: () => number;
  private readonly systemId: () => string;

  constructor(private readonly deps: DeviceServiceDeps) {
    this.random = deps.random ?? Math.random;
    this.systemId = deps.systemId ?? (() => newSystemId());
  }

  /** The devices `viewer` may see that match MAAS's list filters, ordered by id. */
  list(viewer: UserRow, params: ParamLists): Promise<DeviceView[]> {
    const conditions = deviceListConditions(params);
    const visible = devicesVisibleTo(viewer);
    if (visible) conditions.push(visible);
    return loadDeviceViews(this.deps.db, conditions);
  }

  /** One device as `viewer` may see it; 404 when they may not (as for a device that is not there). */
  async get(systemId: string, viewer: UserRow, db: Kysely<Database> = this.deps.db): Promise<DeviceView> {
    const conditions: DeviceCondition[] = [(eb) => eb('devices.system_id', '=', systemId)];
    const visible = devicesVisibleTo(viewer);
    if (visible) conditions.push(visible);
    const [view] = await loadDeviceViews(db, conditions);
    if (!view) throw notFound();
    return view;
  }

  /** The devices `viewer` may see that carry tag `tag` (`tags/{name}/?op=devices`). */
  tagged(viewer: UserRow, tag: string): Promise<DeviceView[]> {
    return this.list(viewer, { tags: [tag] });
  }

  /**
   * A new device owned by `user`, with a physical interface (no VLAN, as MAAS leaves it) for
   * each MAC. A MAC belongs to one physical interface in the region: one already used, or
   * taken by a concurrent create (the unique index interfaces_physical_mac), is a 400.
   */
  async create(input: DeviceInput, user: UserRow): Promise<DeviceView> {
    const checked = checkDeviceInput(input, true);
    if (Object.keys(checked.problems).length > 0) throw AppError.invalid(checked.problems);
    try {
      return await this.deps.db.transaction().execute(async (trx) => {
        const problems: Record<string, string> = {};
        const parent = await this.parentRow(trx, input.parent, problems);
        const domainId = await this.domainId(trx, checked.domain, parent?.domain_id, problems);
        const zoneId = await this.zoneId(trx, input.zone, problems);
        const taken = await macsInUse(trx, checked.macs);
        if (taken.length > 0) problems['mac_addresses'] = macAddressesMessage(checked.macs.length, taken);
        if (Object.keys(problems).length > 0 || domainId === undefined || zoneId === undefined)
          throw AppError.invalid(problems);
        const device = await this.insertDevice(trx, {
          host: checked.host,
          domain_id: domainId,
          zone_id: zoneId,
          description: input.description ?? '',
          owner_id: user.id,
          parent_machine_id: parent?.id ?? null,
        });
        await trx
          .insertInto('interfaces')
          .values(
            checked.macs.map((mac, i) => ({
              machine_id: null,
              device_id: device.id,
              name: `eth${String(i)}`,
              mac_address: mac,
              vendor: null,
              product: null,
              firmware_version: null,
            })),
          )
          .execute();
        await this.record(trx, device, user.username, `Created device ${device.hostname}.`);
        return this.get(device.system_id, user, trx);
      });
    } catch (error) {
      // A concurrent create took a MAC between the check and the insert; it has committed (a
      // unique check waits for the other transaction), so the check now names it.
      if (isUniqueViolation(error, 'interfaces_physical_mac')) {
        const taken = await macsInUse(this.deps.db, checked.macs);
        throw AppError.invalid({
          mac_addresses: macAddressesMessage(
            checked.macs.length,
            taken.length > 0 ? taken : ['A MAC address is already in use.'],
          ),
        });
      }
      throw error;
    }
  }

  /** PUT devices/{system_id}/: hostname, description, domain, parent and zone; empty means unchanged. */
  async update(systemId: string, input: DeviceInput, user: UserRow): Promise<DeviceView> {
    const checked = checkDeviceInput(input, false);
    if (Object.keys(checked.problems).length > 0) throw AppError.invalid(checked.problems);
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockVisible(trx, systemId, user);
      const problems: Record<string, string> = {};
      const parent = await this.parentRow(trx, input.parent, problems);
      const changes: Updateable<DevicesTable> = { updated: new Date() };
      if (checked.host !== undefined) changes.hostname = checked.host;
      if (input.description !== undefined) changes.description = input.description;
      if (parent) changes.parent_machine_id = parent.id;
      if (checked.domain !== undefined) {
        const domainId = await this.domainId(trx, checked.domain, undefined, problems);
        if (domainId !== undefined) changes.domain_id = domainId;
      }
      if (input.zone !== undefined && input.zone !== '') {
        const zoneId = await this.zoneId(trx, input.zone, problems);
        if (zoneId !== undefined) changes.zone_id = zoneId;
      }
      if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
      try {
        await trx.updateTable('devices').set(changes).where('id', '=', row.id).execute();
      } catch (error) {
        if (isUniqueViolation(error, 'devices_hostname_domain'))
          throw AppError.invalid({ hostname: hostnameTaken });
        throw error;
      }
      await this.record(trx, row, user.username, `Updated device ${row.hostname}.`);
      return this.get(systemId, user, trx);
    });
  }

  /** Deletes a device with its interfaces and addresses (their DHCP/DNS entries go in the same transaction). */
  async delete(systemId: string, user: UserRow): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockVisible(trx, systemId, user);
      await deleteDevices(trx, this.deps.networkChanges, [row.id]);
      await this.record(trx, row, user.username, `Deleted device ${row.hostname}.`);
    });
  }

  /**
   * set_workload_annotations (and the deprecated set_owner_data, the same map in MAAS): keys
   * set, an empty value removes a key. Only the device's owner may, as MAAS's mixin checks.
   */
  async setWorkloadAnnotations(
    systemId: string,
    values: Readonly<Record<string, string>>,
    user: UserRow,
  ): Promise<DeviceView> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockVisible(trx, systemId, user);
      if (row.owner_id !== user.id)
        throw new AppError('invalid_transition', "Cannot set workload annotation: it hasn't been acquired.");
      const next: Record<string, string> = { ...row.workload_annotations };
      for (const [key, value] of Object.entries(values)) {
        if (value === '') Reflect.deleteProperty(next, key);
        else next[key] = value;
      }
      const json = JSON.stringify(next);
      await trx
        .updateTable('devices')
        .set({ workload_annotations: json, owner_data: json, updated: new Date() })
        .where('id', '=', row.id)
        .execute();
      return this.get(systemId, user, trx);
    });
  }

  /** restore_networking_configuration / restore_default_configuration (administrators). */
  async restoreNetworking(systemId: string, user: UserRow): Promise<DeviceView> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await this.lockVisible(trx, systemId, user);
      const changes = await setInitialNetworking(trx, row.id);
      await this.deps.networkChanges.emit(trx, changes);
      await this.record(
        trx,
        row,
        user.username,
        `Restored the networking configuration of device ${row.hostname}.`,
      );
      return this.get(systemId, user, trx);
    });
  }

  /**
   * `set_zone` of a node collection (administrators): moves the devices and machines named to
   * `zone`. An unknown zone or system_id is refused and nothing moves.
   */
  async setZone(systemIds: readonly string[], zone: string | undefined, actor: string): Promise<void> {
    if (zone === undefined || zone === '') throw AppError.invalid({ zone: 'This field is required.' });
    await this.deps.db.transaction().execute(async (trx) => {
      const problems: Record<string, string> = {};
      const zoneId = await this.zoneId(trx, zone, problems);
      const ids = [...new Set(systemIds)];
      const found =
        ids.length === 0
          ? []
          : await trx
              .selectFrom('devices')
              .select('system_id')
              .where('system_id', 'in', ids)
              .unionAll(trx.selectFrom('machines').select('system_id').where('system_id', 'in', ids))
              .execute();
      const known = new Set(found.map((r) => r.system_id));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0) problems['nodes'] = `Unknown node(s): ${unknown.join(', ')}.`;
      if (Object.keys(problems).length > 0 || zoneId === undefined) throw AppError.invalid(problems);
      if (ids.length === 0) return;
      const set = { zone_id: zoneId, updated: new Date() };
      await trx.updateTable('devices').set(set).where('system_id', 'in', ids).execute();
      await trx.updateTable('machines').set(set).where('system_id', 'in', ids).execute();
      await this.deps.events.record(
        {
          type: 'AUDIT',
          level: 'AUDIT',
          description: `Moved ${String(ids.length)} nodes to zone ${zone}.`,
          username: actor,
        },
        trx,
      );
    });
  }

  /**
   * Inserts the device row. A hostname that is taken in the domain (by a device, or by a
   * machine: the node_hostname_unique trigger raises the same violation) is a 400 when it was
   * given, and drawn again when generated; so is a system_id that some node has.
   */
  private async insertDevice(
    trx: Kysely<Database>,
    values: {
      host: string | undefined;
      domain_id: number;
      zone_id: number;
      description: string;
      owner_id: number;
      parent_machine_id: number | null;
    },
  ): Promise<DeviceRow> {
    const { host, ...rest } = values;
    for (let attempt = 0; ; attempt++) {
      const hostname = host ?? generateHostname(this.random);
      const systemId = await this.freeSystemId(trx);
      await sql`SAVEPOINT device_insert`.execute(trx);
      try {
        return await trx
          .insertInto('devices')
          .values({ ...rest, system_id: systemId, hostname })
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (error) {
        if (isUniqueViolation(error, 'devices_hostname_domain') && host !== undefined)
          throw AppError.invalid({ hostname: hostnameTaken });
        if (!isUniqueViolation(error) || attempt >= maxDraws) throw error;
        await sql`ROLLBACK TO SAVEPOINT device_insert`.execute(trx);
      }
    }
  }

  /** A system_id no machine, device or controller has (the insert's unique index backs it up). */
  private async freeSystemId(trx: Kysely<Database>): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const candidate = this.systemId();
      const row = await sql<{ taken: boolean }>`
        SELECT EXISTS (SELECT 1 FROM machines WHERE system_id = ${candidate})
          OR EXISTS (SELECT 1 FROM devices WHERE system_id = ${candidate})
          OR EXISTS (SELECT 1 FROM rack_controllers WHERE system_id = ${candidate})
          OR EXISTS (SELECT 1 FROM region_controllers WHERE system_id = ${candidate}) AS taken`.execute(trx);
      if (row.rows[0]?.taken !== true || attempt >= maxDraws) return candidate;
    }
  }

  /** The device row, locked for this transaction, if `user` may see (and so change) it; else 404. */
  private async lockVisible(trx: Kysely<Database>, systemId: string, user: UserRow): Promise<DeviceRow> {
    let query = trx.selectFrom('devices').selectAll().where('system_id', '=', systemId);
    const visible = devicesVisibleTo(user);
    if (visible) query = query.where(visible);
    const row = await query.forUpdate().executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /**
   * The parent machine named by system_id, key-share locked so it cannot be deleted before this
   * transaction commits; undefined when none is given, a problem when there is no such machine.
   */
  private async parentRow(
    trx: Kysely<Database>,
    systemId: string | undefined,
    problems: Record<string, string>,
  ): Promise<{ id: number; domain_id: number } | undefined> {
    if (systemId === undefined || systemId === '') return undefined;
    const row = await trx
      .selectFrom('machines')
      .select(['id', 'domain_id'])
      .where('system_id', '=', systemId)
      .forKeyShare()
      .executeTakeFirst();
    if (!row) problems['parent'] = invalidChoice;
    return row;
  }

  /**
   * MAAS's clean_domain: a domain by id or name. None given: the parent's domain when there is
   * a parent (DeviceForm.save), else the default domain.
   */
  private async domainId(
    trx: Kysely<Database>,
    key: string | undefined,
    parentDomainId: number | undefined,
    problems: Record<string, string>,
  ): Promise<number | undefined> {
    if (key === undefined) {
      if (parentDomainId !== undefined) return parentDomainId;
      const row = await trx
        .selectFrom('domains')
        .select('id')
        .where('is_default', '=', true)
        .executeTakeFirst();
      return row?.id;
    }
    const id = parseId(key);
    const row = await trx
      .selectFrom('domains')
      .select('id')
      .where((eb) => (id !== undefined ? eb('id', '=', id) : eb('name', '=', key)))
      .executeTakeFirst();
    if (!row) problems['domain'] = `Unable to find domain ${key}`;
    return row?.id;
  }

  /** A zone by name (the default zone when none is given). */
  private async zoneId(
    trx: Kysely<Database>,
    name: string | undefined,
    problems: Record<string, string>,
  ): Promise<number | undefined> {
    const row = await trx
      .selectFrom('zones')
      .select('id')
      .where('name', '=', name === undefined || name === '' ? 'default' : name)
      .executeTakeFirst();
    if (!row) problems['zone'] = invalidChoice;
    return row?.id;
  }

  private record(
    trx: Kysely<Database>,
    device: DeviceRow,
    username: string,
    description: string,
  ): Promise<void> {
    return this.deps.events.record(
      {
        type: 'AUDIT',
        level: 'AUDIT',
        description,
        username,
        nodeSystemId: device.system_id,
        nodeHostname: device.hostname,
      },
      trx,
    );
  }
}

/** MAAS's messages for MACs some physical interface (of a machine or device) already has. */
async function macsInUse(db: Kysely<Database>, macs: readonly string[]): Promise<string[]> {
  if (macs.length === 0) return [];
  const rows = await db
    .selectFrom('interfaces')
    .leftJoin('machines', 'machines.id', 'interfaces.machine_id')
    .leftJoin('devices', 'devices.id', 'interfaces.device_id')
    .select([
      sql<string>`interfaces.mac_address::text`.as('mac'),
      sql<string | null>`coalesce(machines.hostname, devices.hostname)`.as('hostname'),
    ])
    .where('interfaces.type', '<>', 'unknown')
    .where(sql<boolean>`interfaces.mac_address = ANY(${sql.val(macs)}::macaddr[])`)
    .orderBy('interfaces.id')
    .execute();
  return rows.map(
    (r) => `MAC address ${r.mac} already in use${r.hostname === null ? '' : ` on ${r.hostname}`}.`,
  );
}
