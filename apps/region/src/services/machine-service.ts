import { sql, type Kysely, type Transaction } from 'kysely';
import {
  AppError,
  checkAction,
  normaliseMac,
  hostnameError,
  generateHostname,
  statusFromValue,
  statusTimeoutMinutes,
  statusValue,
  type NodeStatus,
} from '@ferrum/domain';
import type { Database, MachineRow, UserRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import type { NodeAddresses } from './node-addresses.js';
import type { PowerTypeRegistry } from '../power/power-type-registry.js';
import { syncBlockDevices } from './hardware-block-devices.js';
import {
  loadFewMachineViews,
  loadMachineView,
  loadMachineViews,
  selectMachineIds,
  type MachineView,
} from './machine-store.js';
import {
  machineListConditions,
  visibleTo,
  type MachineCondition,
  type ParamLists,
} from './machine-filters.js';

export interface MachineInput {
  readonly hostname?: string | undefined;
  readonly description?: string | undefined;
  readonly domain?: string | undefined;
  readonly architecture?: string | undefined;
  readonly minHweKernel?: string | undefined;
  readonly macAddresses?: readonly string[] | undefined;
  readonly powerType?: string | undefined;
  readonly powerParameters?: Readonly<Record<string, string>> | undefined;
  /** MAAS's `power_parameters_skip_check`: store the parameters without checking them. */
  readonly powerParametersSkipCheck?: boolean | undefined;
  readonly zone?: string | undefined;
  readonly pool?: string | undefined;
  readonly cpuCount?: number | undefined;
  readonly memory?: number | undefined;
  readonly swapSize?: number | null | undefined;
}

/** Hardware a machine reports when commissioned (or a test says it has). */
export interface MachineHardware {
  readonly cpuCount?: number;
  readonly cpuSpeed?: number;
  readonly memory?: number;
  readonly hardwareInfo?: Readonly<Record<string, string>>;
  readonly blockDevices?: readonly {
    name: string;
    size: number;
    model?: string;
    serial?: string;
    idPath?: string;
    tags?: readonly string[];
  }[];
}

export interface MachineServiceDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
  /** Encrypts the secret power parameters for storage (null when there are none). */
  readonly sealSecrets: (secrets: Readonly<Record<string, string>>) => string | null;
  /** Decrypts what sealSecrets stored. */
  readonly openSecrets: (sealed: string) => Record<string, string>;
  /** The power types parameters are checked against. */
  readonly powerTypes: PowerTypeRegistry;
  readonly random?: () => number;
  /** node_timeout in minutes: the deadline of a machine created straight into Commissioning. */
  readonly nodeTimeoutMinutes: () => Promise<number>;
  /** The machine's addresses, deleted with it (with their DHCP and DNS entries). */
  readonly addresses: NodeAddresses;
}

const inProgress = new Set<NodeStatus>([
  'COMMISSIONING',
  'DEPLOYING',
  'RELEASING',
  'DISK_ERASING',
  'ENTERING_RESCUE_MODE',
  'EXITING_RESCUE_MODE',
  'TESTING',
]);

const systemIdAlphabet = 'abcdefghjkmnpqrstuvwxy3456789';

/** Machines: create, enlist, read, filter, update, delete. Status changes live in MachineLifecycle. */
export class MachineService {
  private readonly random: () => number;

  constructor(private readonly deps: MachineServiceDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** Machines `viewer` may see that match MAAS's list filters, ordered by id. */
  async list(viewer: UserRow | undefined, params: ParamLists): Promise<MachineView[]> {
    return this.views(await this.listIds(viewer, params));
  }

  /**
   * The start of a long list, for streaming it: the first `pageSize` machines `list` answers,
   * read in one statement (most lists, filtered ones, end there), and, when there may be more,
   * a function reading the ids of the rest, whose views are then read a page at a time
   * (`views`). A machine deleted meanwhile is then left out, and one changed shows as it was
   * when its page was read.
   */
  async listStart(
    viewer: UserRow | undefined,
    params: ParamLists,
    pageSize: number,
  ): Promise<{ first: MachineView[]; restIds: () => Promise<number[]> }> {
    const conditions = listConditions(viewer, params);
    const first = await loadFewMachineViews(this.deps.db, { conditions, limit: pageSize });
    const last = first.at(-1)?.machine.id;
    return {
      first,
      restIds: () =>
        first.length < pageSize || last === undefined
          ? Promise.resolve([])
          : selectMachineIds(this.deps.db, { conditions, afterId: last }),
    };
  }

  /** The ids of the machines `list` answers, in its order. */
  async listIds(viewer: UserRow | undefined, params: ParamLists): Promise<number[]> {
    return selectMachineIds(this.deps.db, { conditions: listConditions(viewer, params) });
  }

  /** The views of machines by id, in the ids' order (those that still exist). */
  views(ids: readonly number[]): Promise<MachineView[]> {
    return loadMachineViews(this.deps.db, ids);
  }

  /** A later page of a list: see `listPageViews`. */
  page(ids: readonly number[], scope: ListScope): Promise<MachineView[]> {
    return listPageViews(this.deps.db, ids, scope);
  }

  /** One machine by system_id, as `viewer` may see it (404 when they may not, as MAAS does). */
  async get(systemId: string, viewer?: UserRow): Promise<MachineView> {
    const conditions: MachineCondition[] = [(eb) => eb('machines.system_id', '=', systemId)];
    const visible = viewer ? visibleTo(viewer) : undefined;
    if (visible) conditions.push(visible);
    const view = await loadMachineView(this.deps.db, { conditions });
    if (!view) throw notFound();
    return view;
  }

  async row(systemId: string, viewer?: UserRow, db: Kysely<Database> = this.deps.db): Promise<MachineRow> {
    return machineRow(db, systemId, { viewer });
  }

  /**
   * A new machine: by an admin (`status` COMMISSIONING, MAAS's default) or enlisted anonymously
   * (NEW). MAC addresses are unique across all machines; a hostname is generated when none is
   * given.
   */
  async create(
    input: MachineInput,
    options: { status: NodeStatus; actor: string | null },
  ): Promise<MachineView> {
    const { id } = await this.insert(input, options);
    const view = await loadMachineView(this.deps.db, [id]);
    if (!view) throw notFound();
    return view;
  }

  /**
   * `create` without reading the machine back: for a caller that goes on to change it (a
   * commissioning starts) and reads it afterwards, one view fewer a machine.
   */
  async insert(
    input: MachineInput,
    options: { status: NodeStatus; actor: string | null },
  ): Promise<{ id: number; systemId: string }> {
    const problems: Record<string, string> = {};
    const architecture = normaliseArchitecture(input.architecture);
    if (!architecture) problems['architecture'] = 'This field is required.';
    const given = input.macAddresses ?? [];
    const macs = given.flatMap((m) => normaliseMac(m) ?? []);
    if (given.length === 0) problems['mac_addresses'] = 'This field is required.';
    for (const mac of given)
      if (!normaliseMac(mac)) problems['mac_addresses'] = `'${mac}' is not a valid MAC address.`;
    if (new Set(macs).size !== macs.length) problems['mac_addresses'] = 'A MAC address is given twice.';
    if (input.hostname !== undefined && input.hostname !== '') {
      const problem = hostnameError(input.hostname);
      if (problem) problems['hostname'] = problem;
    }
    this.checkHardwareNumbers(input, problems);
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);

    const timeout = statusTimeoutMinutes(options.status, await this.deps.nodeTimeoutMinutes());
    const expires = timeout === undefined ? null : new Date(Date.now() + timeout * 60_000);
    try {
      return await this.insertMachine(input, options, { architecture, macs, expires });
    } catch (error) {
      // A concurrent create took one of the MACs between the check and the insert: the
      // unique constraint caught it. It has committed, so the check now finds it.
      if (isUniqueViolation(error, 'interfaces_physical_mac'))
        throw (
          (await macsInUse(this.deps.db, macs)) ??
          AppError.invalid({ mac_addresses: 'A MAC address is already in use.' })
        );
      throw error;
    }
  }

  private insertMachine(
    input: MachineInput,
    options: { status: NodeStatus; actor: string | null },
    checked: { architecture: string | undefined; macs: string[]; expires: Date | null },
  ): Promise<{ id: number; systemId: string }> {
    const { architecture, macs, expires } = checked;
    return this.deps.db.transaction().execute(async (trx) => {
      const taken = await macsInUse(trx, macs);
      if (taken) throw taken;
      const domainId = await this.domainId(trx, input.domain);
      const zoneId = await this.namedId(trx, 'zones', input.zone ?? 'default', 'zone');
      const poolId = await this.namedId(trx, 'resource_pools', input.pool ?? 'default', 'pool');
      const { plain, secrets } = this.checkedPower(input.powerType ?? '', input.powerParameters ?? {}, input);
      let machine: MachineRow | undefined;
      for (let attempt = 0; !machine; attempt++) {
        const hostname = input.hostname ? hostPart(input.hostname) : generateHostname(this.random);
        const systemId = this.systemId();
        await sql`SAVEPOINT machine_insert`.execute(trx);
        try {
          machine = await trx
            .insertInto('machines')
            .values({
              system_id: systemId,
              hostname,
              domain_id: domainId,
              description: input.description ?? '',
              architecture: architecture ?? '',
              min_hwe_kernel: input.minHweKernel ?? '',
              hwe_kernel: null,
              status: statusValue(options.status),
              status_expires: expires,
              power_type: input.powerType ?? '',
              power_parameters: JSON.stringify(plain),
              power_secrets: this.deps.sealSecrets(secrets),
              owner_id: null,
              zone_id: zoneId,
              pool_id: poolId,
              hardware_uuid: null,
              bios_boot_method: null,
              ...(input.cpuCount !== undefined ? { cpu_count: input.cpuCount } : {}),
              ...(input.memory !== undefined ? { memory: input.memory } : {}),
            })
            .returningAll()
            .executeTakeFirstOrThrow();
        } catch (error) {
          if (isUniqueViolation(error, 'machines_hostname_domain') && input.hostname)
            throw new AppError(
              'conflict',
              `Node with hostname "${hostPart(input.hostname)}" already exists.`,
            );
          // A generated name or system_id that is taken: draw again (a savepoint keeps the transaction).
          if (!isUniqueViolation(error) || attempt >= 20) throw error;
          await sql`ROLLBACK TO SAVEPOINT machine_insert`.execute(trx);
        }
      }
      // As MAAS's add_physical_interface: on no VLAN (disconnected) until commissioning or an
      // administrator says which it is on.
      await trx
        .insertInto('interfaces')
        .values(
          macs.map((mac, i) => ({
            machine_id: machine.id,
            name: `eth${String(i)}`,
            mac_address: mac,
            is_boot: i === 0,
            vendor: null,
            product: null,
            firmware_version: null,
          })),
        )
        .execute();
      await trx
        .insertInto('machine_status_history')
        .values({
          machine_id: machine.id,
          from_status: null,
          to_status: machine.status,
          username: options.actor,
        })
        .execute();
      await this.deps.events.record(
        {
          type: options.actor ? 'Created' : 'Enlisted',
          level: 'INFO',
          description: options.actor ? `Created by ${options.actor}` : 'Enlisted',
          username: options.actor,
          nodeSystemId: machine.system_id,
          nodeHostname: machine.hostname,
        },
        trx,
      );
      return { id: machine.id, systemId: machine.system_id };
    });
  }

  /** PUT machines/{id}/: admins change hostname, description, domain, zone, pool, power and hardware numbers. */
  async update(systemId: string, input: MachineInput, actor: string): Promise<MachineView> {
    const problems: Record<string, string> = {};
    if (input.hostname !== undefined) {
      const problem = hostnameError(input.hostname);
      if (problem) problems['hostname'] = problem;
    }
    if (input.architecture !== undefined && !normaliseArchitecture(input.architecture))
      problems['architecture'] = 'This field cannot be blank.';
    this.checkHardwareNumbers(input, problems);
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await machineRow(trx, systemId, { lock: true });
      const changes: Record<string, unknown> = { updated: new Date() };
      const hostname = input.hostname !== undefined ? hostPart(input.hostname) : row.hostname;
      if (input.hostname !== undefined) changes['hostname'] = hostname;
      if (input.description !== undefined) changes['description'] = input.description;
      if (input.architecture !== undefined)
        changes['architecture'] = normaliseArchitecture(input.architecture);
      if (input.minHweKernel !== undefined) changes['min_hwe_kernel'] = input.minHweKernel;
      if (input.domain !== undefined) changes['domain_id'] = await this.domainId(trx, input.domain);
      if (input.zone !== undefined) changes['zone_id'] = await this.namedId(trx, 'zones', input.zone, 'zone');
      if (input.pool !== undefined)
        changes['pool_id'] = await this.namedId(trx, 'resource_pools', input.pool, 'pool');
      if (input.cpuCount !== undefined) changes['cpu_count'] = input.cpuCount;
      if (input.memory !== undefined) changes['memory'] = input.memory;
      if (input.swapSize !== undefined) changes['swap_size'] = input.swapSize;
      if (input.powerType !== undefined) changes['power_type'] = input.powerType;
      if (input.powerParameters !== undefined || input.powerType !== undefined) {
        // Given parameters join those stored, unless the power type changes (then they start afresh).
        const type = input.powerType ?? row.power_type;
        const base = type === row.power_type ? this.powerParameters(row) : {};
        const { plain, secrets } = this.checkedPower(type, { ...base, ...input.powerParameters }, input);
        changes['power_parameters'] = JSON.stringify(plain);
        changes['power_secrets'] = this.deps.sealSecrets(secrets);
      }
      try {
        await trx.updateTable('machines').set(changes).where('id', '=', row.id).execute();
      } catch (error) {
        if (isUniqueViolation(error, 'machines_hostname_domain'))
          throw new AppError('conflict', `Node with hostname "${hostname}" already exists.`);
        throw error;
      }
      await this.deps.events.record(
        {
          type: 'AUDIT',
          level: 'AUDIT',
          description: `Updated machine ${row.hostname}.`,
          username: actor,
          nodeSystemId: row.system_id,
          nodeHostname: hostname,
        },
        trx,
      );
      return this.viewIn(trx, row.id);
    });
  }

  /**
   * Hardware given by a test (commissioning's document goes through HardwareInventory): the
   * numbers given, and the block devices given, matched to those recorded in place.
   */
  async setHardware(systemId: string, hardware: MachineHardware): Promise<MachineView> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await machineRow(trx, systemId, { lock: true });
      await trx
        .updateTable('machines')
        .set({
          ...(hardware.cpuCount !== undefined ? { cpu_count: hardware.cpuCount } : {}),
          ...(hardware.cpuSpeed !== undefined ? { cpu_speed: hardware.cpuSpeed } : {}),
          ...(hardware.memory !== undefined ? { memory: hardware.memory } : {}),
          ...(hardware.hardwareInfo !== undefined
            ? { hardware_info: JSON.stringify(hardware.hardwareInfo) }
            : {}),
          updated: new Date(),
        })
        .where('id', '=', row.id)
        .execute();
      // Matched in place (by id_path, serial, name): kept disks keep their ids.
      if (hardware.blockDevices)
        await syncBlockDevices(
          trx,
          row.id,
          hardware.blockDevices.map((d) => ({
            name: d.name,
            size: d.size,
            model: d.model ?? '',
            serial: d.serial ?? '',
            idPath: d.idPath ?? null,
            blockSize: 512,
            firmwareVersion: null,
            numaNode: 0,
            tags: d.tags ?? [],
          })),
        );
      return this.viewIn(trx, row.id);
    });
  }

  /** Deletes a machine (administrators only: the API checks), unless it is locked. */
  async delete(systemId: string, actor: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await machineRow(trx, systemId, { lock: true });
      checkAction(
        'delete',
        statusOf(row),
        { userId: 0, isAdmin: true },
        row.owner_id,
        row.hostname,
        row.locked,
      );
      await this.deps.addresses.machineDeleted(trx, row);
      await trx.deleteFrom('machines').where('id', '=', row.id).execute();
      await this.deps.events.record(
        {
          type: 'AUDIT',
          level: 'AUDIT',
          description: `Deleted machine ${row.hostname}.`,
          username: actor,
          nodeSystemId: row.system_id,
          nodeHostname: row.hostname,
        },
        trx,
      );
    });
  }

  async isRegistered(mac: string): Promise<boolean> {
    const normalised = macParameter(mac);
    // Any node's: a machine's interface, or one a rack controller reported when it registered.
    const row = await this.deps.db
      .selectFrom('interfaces')
      .select('id')
      .where(sql<boolean>`mac_address = ${normalised}::macaddr`)
      .unionAll(
        this.deps.db
          .selectFrom('rack_controllers')
          .select('id')
          .where(sql<boolean>`interfaces @> ${JSON.stringify([{ mac: normalised }])}::jsonb`),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the machine with this MAC is in the middle of an operation (MAAS's enlistment check). */
  async isActionInProgress(mac: string): Promise<boolean> {
    const normalised = macParameter(mac);
    const row = await this.deps.db
      .selectFrom('interfaces')
      .innerJoin('machines', 'machines.id', 'interfaces.machine_id')
      .select('machines.status')
      .where(sql<boolean>`interfaces.mac_address = ${normalised}::macaddr`)
      .executeTakeFirst();
    const status = row ? statusFromValue(row.status) : undefined;
    return status !== undefined && inProgress.has(status);
  }

  /**
   * tags/{name}/?op=update_nodes: adds the tag to the machines in `add` and removes it from those
   * in `remove`; unknown system_ids are refused (nothing changes). Counts what changed.
   */
  async updateTagNodes(
    tagName: string,
    add: readonly string[],
    remove: readonly string[],
    actor: string,
  ): Promise<{ added: number; removed: number }> {
    return this.deps.db.transaction().execute(async (trx) => {
      const tag = await trx.selectFrom('tags').select('id').where('name', '=', tagName).executeTakeFirst();
      if (!tag) throw new AppError('not_found', 'No Tag matches the given query.');
      const ids = [...new Set([...add, ...remove])];
      const rows =
        ids.length === 0
          ? []
          : await trx
              .selectFrom('machines')
              .select(['id', 'system_id'])
              .where('system_id', 'in', ids)
              .execute();
      const byId = new Map(rows.map((r) => [r.system_id, r.id]));
      const unknown = ids.filter((id) => !byId.has(id));
      if (unknown.length > 0) throw AppError.invalid({ add: `Unknown node(s): ${unknown.join(', ')}.` });
      const toAdd = add.map((id) => byId.get(id) ?? 0);
      const toRemove = remove.map((id) => byId.get(id) ?? 0);
      const added =
        toAdd.length === 0
          ? []
          : await trx
              .insertInto('machine_tags')
              .values(toAdd.map((machineId) => ({ machine_id: machineId, tag_id: tag.id })))
              .onConflict((oc) => oc.doNothing())
              .returning('machine_id')
              .execute();
      const removed =
        toRemove.length === 0
          ? []
          : await trx
              .deleteFrom('machine_tags')
              .where('tag_id', '=', tag.id)
              .where('machine_id', 'in', toRemove)
              .returning('machine_id')
              .execute();
      await this.deps.events.record(
        {
          type: 'AUDIT',
          level: 'AUDIT',
          description: `Tag '${tagName}': added to ${String(added.length)}, removed from ${String(removed.length)} machines.`,
          username: actor,
        },
        trx,
      );
      return { added: added.length, removed: removed.length };
    });
  }

  /** Plain and secret power parameters together, for administrators only. */
  /**
   * A machine's power parameters checked against its power type (400 with field errors), split
   * into those stored in clear and the secrets (sealed). No power type, or MAAS's skip_check:
   * stored as given, the secrets found by name.
   */
  private checkedPower(
    type: string,
    params: Readonly<Record<string, string>>,
    input: MachineInput,
  ): { plain: Record<string, string>; secrets: Record<string, string> } {
    if (type === '') return splitPowerParameters(params);
    if (input.powerParametersSkipCheck) {
      if (!this.deps.powerTypes.has(type)) this.deps.powerTypes.validateParameters(type, {});
      const split = this.deps.powerTypes.splitSecrets(type, params);
      const byName = splitPowerParameters(split.plain);
      return { plain: byName.plain, secrets: { ...byName.secrets, ...split.secrets } };
    }
    return this.deps.powerTypes.splitSecrets(type, this.deps.powerTypes.validateParameters(type, params));
  }

  powerParameters(row: MachineRow): Record<string, string> {
    return {
      ...row.power_parameters,
      ...(row.power_secrets ? this.deps.openSecrets(row.power_secrets) : {}),
    };
  }

  /** Moves machines to a zone (admin `set_zone`). */
  async setZone(systemIds: readonly string[], zone: string, actor: string): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const zoneId = await this.namedId(trx, 'zones', zone, 'zone');
      await trx
        .updateTable('machines')
        .set({ zone_id: zoneId, updated: new Date() })
        .where('system_id', 'in', [...systemIds])
        .execute();
      await this.deps.events.record(
        {
          type: 'AUDIT',
          level: 'AUDIT',
          description: `Moved ${String(systemIds.length)} machines to zone ${zone}.`,
          username: actor,
        },
        trx,
      );
    });
  }

  /** Machine rows by system_id (all when none given), ordered by id. */
  async rows(systemIds: readonly string[] | undefined): Promise<MachineRow[]> {
    let query = this.deps.db.selectFrom('machines').selectAll().orderBy('id');
    if (systemIds && systemIds.length > 0) query = query.where('system_id', 'in', [...systemIds]);
    return query.execute();
  }

  private async viewIn(trx: Transaction<Database>, id: number): Promise<MachineView> {
    const view = await loadMachineView(trx, [id]);
    if (!view) throw notFound();
    return view;
  }

  private checkHardwareNumbers(input: MachineInput, problems: Record<string, string>): void {
    if (input.cpuCount !== undefined && (!Number.isInteger(input.cpuCount) || input.cpuCount < 0))
      problems['cpu_count'] = 'Enter a whole number of 0 or more.';
    if (input.memory !== undefined && (!Number.isInteger(input.memory) || input.memory < 0))
      problems['memory'] = 'Enter a whole number of MiB, 0 or more.';
  }

  private systemId(): string {
    let id = '';
    for (let i = 0; i < 6; i++)
      id += systemIdAlphabet.charAt(Math.floor(this.random() * systemIdAlphabet.length));
    return id;
  }

  private async domainId(trx: Kysely<Database>, name: string | undefined): Promise<number> {
    const row =
      name === undefined || name === ''
        ? await trx.selectFrom('domains').select('id').where('is_default', '=', true).executeTakeFirst()
        : await trx.selectFrom('domains').select('id').where('name', '=', name).executeTakeFirst();
    if (!row) throw AppError.invalid({ domain: `Unknown domain '${name ?? ''}'.` });
    return row.id;
  }

  private async namedId(
    trx: Kysely<Database>,
    table: 'zones' | 'resource_pools',
    name: string,
    field: string,
  ): Promise<number> {
    const row = await trx.selectFrom(table).select('id').where('name', '=', name).executeTakeFirst();
    if (!row)
      throw AppError.invalid({
        [field]: `Select a valid choice. ${name} is not one of the available choices.`,
      });
    return row.id;
  }
}

/** The refusal for MACs that belong to a machine already, or undefined when none does. */
async function macsInUse(db: Kysely<Database>, macs: readonly string[]): Promise<AppError | undefined> {
  const taken = await db
    .selectFrom('interfaces')
    .innerJoin('machines', 'machines.id', 'interfaces.machine_id')
    .select([sql<string>`interfaces.mac_address::text`.as('mac'), 'machines.hostname'])
    .where(sql<boolean>`interfaces.mac_address = ANY(${sql.val(macs)}::macaddr[])`)
    .limit(1)
    .executeTakeFirst();
  return taken
    ? AppError.invalid({ mac_addresses: `MAC address ${taken.mac} already in use on ${taken.hostname}.` })
    : undefined;
}

/** The `mac_address` parameter of is_registered / is_action_in_progress, normalised. */
function macParameter(mac: string): string {
  const normalised = normaliseMac(mac);
  if (!normalised) throw AppError.invalid({ mac_address: `'${mac}' is not a valid MAC address.` });
  return normalised;
}

/** Whose list, with which filters: what a later page is read again under (plain data, for workers). */
export interface ListScope {
  readonly viewer: Pick<UserRow, 'id' | 'is_superuser'> | undefined;
  readonly params: ParamLists;
}

function listConditions(viewer: ListScope['viewer'], params: ParamLists): MachineCondition[] {
  const conditions = machineListConditions(params);
  const visible = viewer ? visibleTo(viewer) : undefined;
  if (visible) conditions.push(visible);
  return conditions;
}

/**
 * The views of the machines `ids` of a list (its ids read earlier) that its viewer may still
 * see and that still match its filters, in id order: a machine allocated to someone else, or
 * changed out of the filters, since the ids were read is left out.
 */
export function listPageViews(
  db: Kysely<Database>,
  ids: readonly number[],
  scope: ListScope,
): Promise<MachineView[]> {
  const conditions = listConditions(scope.viewer, scope.params);
  conditions.push((eb) => eb('machines.id', '=', eb.fn.any(eb.val([...ids]))));
  return loadMachineViews(db, { conditions });
}

/**
 * A machine's row by system_id, as `viewer` may see it (all of them without one), locked
 * `FOR UPDATE` for the caller's transaction with `lock`; 404 when there is none to see.
 */
export async function machineRow(
  db: Kysely<Database>,
  systemId: string,
  options: { readonly viewer?: UserRow | undefined; readonly lock?: boolean } = {},
): Promise<MachineRow> {
  let query = db.selectFrom('machines').selectAll().where('system_id', '=', systemId);
  const visible = options.viewer ? visibleTo(options.viewer) : undefined;
  if (visible) query = query.where(visible);
  const row = await (options.lock ? query.forUpdate() : query).executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export function notFound(): AppError {
  return new AppError('not_found', 'No Machine matches the given query.');
}

/** `amd64` alone means `amd64/generic`, as MAAS stores it. */
function normaliseArchitecture(arch: string | undefined): string | undefined {
  const value = arch?.trim();
  if (!value) return undefined;
  return value.includes('/') ? value : `${value}/generic`;
}

/** The host part of a hostname given as an FQDN. */
function hostPart(hostname: string): string {
  return hostname.split('.')[0] ?? hostname;
}

/** Parameters whose names say they are secret (for a machine without a power type, or unchecked) (MAAS power drivers flag password-like fields). */
const secretParameter = /pass|secret|key|token|community/i;

export function splitPowerParameters(params: Readonly<Record<string, string>>): {
  plain: Record<string, string>;
  secrets: Record<string, string>;
} {
  const plain: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(params))
    (secretParameter.test(key) ? secrets : plain)[key] = value;
  return { plain, secrets };
}

export function statusOf(row: MachineRow): NodeStatus {
  const status = statusFromValue(row.status);
  if (!status)
    throw new AppError('internal', `Machine ${row.system_id} has an unknown status ${String(row.status)}.`);
  return status;
}
