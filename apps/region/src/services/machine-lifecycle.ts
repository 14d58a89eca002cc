import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import {
  AppError,
  checkAction,
  checkTransition,
  failedStatusOf,
  statusFromValue,
  statusLabel,
  statusTimeoutMinutes,
  statusValue,
  usesNodeTimeout,
  type MachineAction,
  type NodeStatus,
} from '@ferrum/domain';
import type { Database, MachineRow, UserRow } from '../db/schema.js';
import { isForeignKeyViolation } from '../db/pg-errors.js';
import { eventRow, type EventService, type NewEvent } from './event-service.js';
import { loadMachineView, loadMachineViews, type MachineQuery, type MachineView } from './machine-store.js';
import { machineRow, notFound, statusOf } from './machine-service.js';
import type { NodeAddresses } from './node-addresses.js';
import type { ScriptParameterValues, ScriptRunRequest, ScriptRuns } from './script-runs.js';

/** What a status change asks the power side to do once it has committed. */
export type PowerWork = 'on' | 'off' | 'cycle';

/**
 * Where power work goes: the job queue, whose worker runs the machine's power driver and
 * reports back. The lifecycle never waits for a BMC.
 */
export interface PowerWorkSink {
  enqueue(systemId: string, work: PowerWork, reason: string): Promise<void>;
  /**
   * Queues the work inside `trx`, so it exists if and only if the change commits; false when
   * this sink cannot (no job queue: the work then runs after the commit, through `enqueue`).
   */
  enqueueWithin(trx: Kysely<Database>, systemId: string, work: PowerWork): Promise<boolean>;
  /** The transaction that queued `count` pieces of work committed: start on them now. */
  committed(count: number): void;
}

export interface LifecycleDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
  readonly power: PowerWorkSink;
  /** node_timeout in minutes (config), read on the transaction's own connection when a transition needs it. */
  readonly nodeTimeoutMinutes: (trx: Kysely<Database>) => Promise<number>;
  /** What deploy installs when the request does not say (default_osystem, default_distro_series). */
  readonly deployDefaults: () => Promise<{ osystem: string; distroSeries: string }>;
  /**
   * How release erases disks when the request does not say (enable_disk_erasing_on_release,
   * disk_erase_with_secure_erase, disk_erase_with_quick_erase); none: release never erases
   * unless asked.
   */
  readonly eraseDefaults?: () => Promise<EraseDefaults>;
  /** Refuses (400) what no connected rack can install; answers the OS and release resolved. */
  readonly checkInstallable: InstallableCheck;
  /** The machine's addresses: claimed at deploy, returned at release (in the status change's transaction). */
  readonly addresses: NodeAddresses;
  readonly now?: () => Date;
  /**
   * Told of every status change, in its transaction, after the machines `machineIds` moved to
   * `to` (the metadata credentials are issued and revoked here).
   */
  readonly statusChanged?: (
    trx: Kysely<Database>,
    machineIds: readonly number[],
    to: NodeStatus,
  ) => Promise<void>;
  /** Creates the script sets commissioning, testing and deployment run (none when absent). */
  readonly scriptRuns?: ScriptRuns;
}

/** The configuration's say on erasing disks at release. */
export interface EraseDefaults {
  /** Every release erases (MAAS's enable_disk_erasing_on_release). */
  readonly onRelease: boolean;
  readonly secure: boolean;
  readonly quick: boolean;
}

/** The OS check deploy and allocate make (OsService.checkInstallable). */
export type InstallableCheck = (
  osystem: string | undefined,
  distroSeries: string | undefined,
  options?: { readonly licenseKey?: string | undefined; readonly defaultOsystem?: string },
) => Promise<{ osystem: string; distroSeries: string }>;

export interface ActionOptions {
  readonly comment?: string | undefined;
  /** For deploy: what the machine will run. */
  readonly osystem?: string | undefined;
  readonly distroSeries?: string | undefined;
  readonly licenseKey?: string | undefined;
  readonly agentName?: string | undefined;
  readonly ephemeral?: boolean | undefined;
  /** For deploy: the user's cloud-init user data (already decoded), served by the metadata API. */
  readonly userData?: Buffer | undefined;
  /** For commission and test: whether the ephemeral environment lets the owner in by SSH. */
  readonly enableSsh?: boolean | undefined;
  /** For commission: MAAS's skip_bmc_config, skip_networking, skip_storage. */
  readonly skipBmcConfig?: boolean | undefined;
  readonly skipNetworking?: boolean | undefined;
  readonly skipStorage?: boolean | undefined;
  /** For commission: custom commissioning scripts (names or tags) to run besides the built-in ones. */
  readonly commissioningScripts?: readonly string[] | undefined;
  /** For commission and test: the tests (names or tags; `none`), default those tagged commissioning. */
  readonly testingScripts?: readonly string[] | undefined;
  /**
   * For release: erase the disks first (Disk erasing, the wipe-disks release script in the
   * ephemeral environment), secure erase where a disk supports it, or only its first and last MiB.
   * Unset: as the configuration says.
   */
  readonly erase?: boolean | undefined;
  readonly secureErase?: boolean | undefined;
  readonly quickErase?: boolean | undefined;
  /** Script parameter values: the `parameters` JSON, and `<script>_<parameter>` fields. */
  readonly scriptParameters?: ScriptParameterValues | undefined;
  readonly scriptParameterFields?: Readonly<Record<string, string>> | undefined;
}

/** The commissioning run `options` ask for. */
export function commissioningRun(options: ActionOptions): ScriptRunRequest {
  return {
    kind: 'commissioning',
    commissioningScripts: options.commissioningScripts,
    testingScripts: options.testingScripts,
    skipBmcConfig: options.skipBmcConfig,
    skipNetworking: options.skipNetworking,
    skipStorage: options.skipStorage,
    parameters: options.scriptParameters,
    parameterFields: options.scriptParameterFields,
  };
}

/** The built-in release script that erases a machine's disks. */
const WIPE_DISKS = 'wipe-disks';

const actorOf = (user: UserRow) => ({ userId: user.id, isAdmin: user.is_superuser });

/**
 * Every status change of a machine: API actions and the reports of the work they started
 * (commissioning finished, power confirmed off, …). Each change checks the domain's action and
 * transition tables inside a transaction holding the machine's row lock, records history and
 * an event, sets or clears the timeout deadline, then queues power work after commit.
 */
export class MachineLifecycle {
  private readonly now: () => Date;

  constructor(private readonly deps: LifecycleDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Runs an API action on one machine and returns the machine as it is afterwards. */
  async act(
    systemId: string,
    action: MachineAction,
    user: UserRow,
    options: ActionOptions = {},
  ): Promise<MachineView> {
    const work: PowerWork[] = [];
    // Read before the transaction: a config read on another connection inside it could starve the pool.
    if (action === 'deploy') {
      // What is wrong with the machine (404, 409) is said before what is wrong with the OS.
      const row = await machineRow(this.deps.db, systemId, { viewer: user });
      checkAction(action, statusOf(row), actorOf(user), row.owner_id, row.hostname, row.locked);
      const defaults = await this.deps.deployDefaults();
      const installable = await this.deps.checkInstallable(
        options.osystem,
        options.distroSeries ?? (options.osystem === undefined ? defaults.distroSeries : undefined),
        { licenseKey: options.licenseKey, defaultOsystem: defaults.osystem },
      );
      options = { ...options, ...installable };
    }
    if (action === 'release' && this.deps.eraseDefaults) {
      const defaults = await this.deps.eraseDefaults();
      options = {
        ...options,
        erase: options.erase === true || defaults.onRelease,
        secureErase: options.secureErase ?? defaults.secure,
        quickErase: options.quickErase ?? defaults.quick,
      };
    }
    let queued = 0;
    const id = await this.transaction(async (trx) => {
      queued = 0;
      const row = await this.lock(trx, systemId, user);
      const status = statusOf(row);
      checkAction(action, status, actorOf(user), row.owner_id, row.hostname, row.locked);
      const change = await this.plan(trx, row, action, user, options);
      if (change.to)
        await this.move(
          trx,
          row,
          change.to,
          user.username,
          change.event ?? statusLabel(change.to),
          options.comment,
          change.set,
        );
      else {
        if (change.event) await this.event(trx, row, change.event, user.username, options.comment);
        if (change.set) await trx.updateTable('machines').set(change.set).where('id', '=', row.id).execute();
      }
      for (const w of change.power ?? [])
        if (await this.deps.power.enqueueWithin(trx, systemId, w)) queued += 1;
        else work.push(w);
      return row.id;
    });
    if (queued > 0) this.deps.power.committed(queued);
    for (const w of work) await this.deps.power.enqueue(systemId, w, action);
    return this.view(id);
  }

  /**
   * Accepts enlisted (New) machines, which starts their commissioning; machines in another
   * status are left as they are. All New machines when `systemIds` is undefined.
   */
  async accept(
    systemIds: readonly string[] | undefined,
    /** Only the name is used (in the events): enlistment accepts as the node user. */
    user: Pick<UserRow, 'username'>,
    options: ActionOptions = {},
  ): Promise<MachineView[]> {
    let query = this.deps.db.selectFrom('machines').select('system_id').orderBy('id');
    query =
      systemIds === undefined
        ? query.where('status', '=', statusValue('NEW'))
        : query.where('system_id', 'in', systemIds.length > 0 ? [...systemIds] : ['']);
    const rows = await query.execute();
    if (systemIds !== undefined) {
      const found = new Set(rows.map((r) => r.system_id));
      const missing = systemIds.filter((id) => !found.has(id));
      if (missing.length > 0)
        throw AppError.invalid({ machines: `Unknown machines: ${missing.join(', ')}.` });
    }
    const accepted: MachineView[] = [];
    for (const { system_id: systemId } of rows) {
      const moved = await this.transaction(async (trx) => {
        const row = await this.lock(trx, systemId);
        if (statusOf(row) !== 'NEW') return undefined;
        await this.deps.scriptRuns?.begin(trx, row, commissioningRun(options));
        await this.move(trx, row, 'COMMISSIONING', user.username, 'Commissioning', 'Accepted', {
          enable_ssh: options.enableSsh ?? false,
        });
        return { id: row.id, queued: await this.deps.power.enqueueWithin(trx, systemId, 'cycle') };
      });
      if (moved !== undefined) {
        if (moved.queued) this.deps.power.committed(1);
        else await this.deps.power.enqueue(systemId, 'cycle', 'commission');
        accepted.push(await this.view(moved.id));
      }
    }
    return accepted;
  }

  /**
   * set_owner_data / set_workload_annotations: keys set (an empty value removes one) by the
   * machine's owner or an administrator, on an owned machine.
   */
  async setOwnerKeys(
    systemId: string,
    column: 'owner_data' | 'workload_annotations',
    values: Readonly<Record<string, string>>,
    user: UserRow,
  ): Promise<MachineView> {
    const id = await this.transaction(async (trx) => {
      const row = await this.lock(trx, systemId, user);
      if (!user.is_superuser && row.owner_id !== user.id)
        throw new AppError(
          'forbidden',
          `You do not have permission to change machine ${row.hostname}: you do not own it.`,
        );
      if (row.owner_id === null)
        throw new AppError(
          'invalid_transition',
          `Cannot set ${column} of machine ${row.hostname}: it is not allocated.`,
        );
      const next: Record<string, string> = { ...row[column] };
      for (const [key, value] of Object.entries(values)) {
        if (value === '') Reflect.deleteProperty(next, key);
        else next[key] = value;
      }
      await trx
        .updateTable('machines')
        .set({ [column]: JSON.stringify(next), updated: this.now() })
        .where('id', '=', row.id)
        .execute();
      return row.id;
    });
    return this.view(id);
  }

  /**
   * Allocates the first machine `candidates` selects, if any, in one statement: the candidate
   * query is run `FOR UPDATE SKIP LOCKED` (so concurrent allocations take different machines
   * without waiting on each other) and must keep to Ready, unowned, unlocked machines, which
   * makes sure no machine is taken twice. Returns undefined when none was free.
   */
  async allocate(
    candidates: MachineQuery,
    user: UserRow,
    options: { agentName?: string | undefined; comment?: string | undefined },
  ): Promise<MachineView | undefined> {
    const take = (query: MachineQuery) =>
      this.transition(this.deps.db, query, {
        from: 'READY',
        to: 'ALLOCATED',
        username: user.username,
        eventType: 'Allocated',
        comment: options.comment,
        set: {
          owner_id: user.id,
          agent_name: options.agentName ?? '',
          previous_status: statusValue('READY'),
        },
        minutes: undefined,
      }).catch((error: unknown) => {
        // The user was deleted after their request was authenticated.
        if (isForeignKeyViolation(error))
          throw new AppError(
            'unauthenticated',
            `Authorization Error: user ${user.username} no longer exists.`,
          );
        throw error;
      });
    let [id] = await take(candidates.limit(1).forUpdate().skipLocked());
    // Nothing free among the machines nobody holds: the matches may all be held for a moment by
    // other work (an update, another allocation that may yet fail). Wait for them once rather
    // than answer that nothing matches.
    if (id === undefined) [id] = await take(candidates.limit(1).forUpdate());
    return id === undefined ? undefined : this.view(id);
  }

  /**
   * A report from the work a transition started (and, until the metadata API exists, from
   * tests): commissioning/testing/deployment finished or failed, power confirmed off on release.
   */
  async report(systemId: string, outcome: 'succeeded' | 'failed', description = ''): Promise<MachineView> {
    return this.view(await this.complete(systemId, outcome, description));
  }

  /** `report` for the region's own workers, which need no view of the machine afterwards; returns its id. */
  async complete(
    systemId: string,
    outcome: 'succeeded' | 'failed',
    description = '',
    /** Where success goes instead: commissioning goes on to testing when tests are to run. */
    next?: 'TESTING',
  ): Promise<number> {
    // Power work this change asks for: queued in its transaction, or to queue after it.
    let off: 'queued' | 'after' | undefined;
    const id = await this.deps.db.transaction().execute(async (trx) => {
      off = undefined;
      const row = await this.lock(trx, systemId);
      const status = statusOf(row);
      const to =
        outcome === 'failed'
          ? failedStatusOf[status]
          : next !== undefined && status === 'COMMISSIONING'
            ? next
            : successOf(row, status);
      if (!to)
        throw new AppError(
          'invalid_transition',
          `Machine ${row.hostname} is ${statusLabel(status)}: there is nothing in progress to report on.`,
        );
      // Off and Ready after a release: the addresses of the allocation go back (MAAS's
      // release_auto_ips once the power is off), written before the status event.
      if (to === 'READY' && (status === 'RELEASING' || status === 'DISK_ERASING'))
        await this.deps.addresses.releaseFinished(trx, row);
      // Scripts the machine never finished (it failed before reaching them) are aborted.
      if (outcome === 'failed') await this.deps.scriptRuns?.end(trx, row, 'ABORTED');
      await this.move(trx, row, to, null, statusLabel(to), description, {
        ...(outcome === 'failed' && description ? { error_description: description } : {}),
        ...(to === 'READY' ? releasedOwnership : {}),
        // Testing after commissioning ends in Ready (MAAS NODE_TESTING_RESET_READY_TRANSITIONS).
        ...(to === 'TESTING' ? { previous_status: statusValue('READY') } : {}),
      });
      // Disks erased: the release goes on as any release does, from powering off (MAAS's release()).
      if (to === 'RELEASING')
        off = (await this.deps.power.enqueueWithin(trx, systemId, 'off')) ? 'queued' : 'after';
      return row.id;
    });
    if (off === 'queued') this.deps.power.committed(1);
    if (off === 'after') await this.deps.power.enqueue(systemId, 'off', 'release');
    return id;
  }

  /**
   * Fails every machine whose monitored status has outlasted its timeout (the monitor's sweep),
   * with an event saying so. Returns the system_ids it failed.
   */
  async failOverdue(): Promise<string[]> {
    const overdue = await this.deps.db
      .selectFrom('machines')
      .select('system_id')
      .where('status_expires', '<=', this.now())
      .execute();
    const failed: string[] = [];
    for (const { system_id: systemId } of overdue) {
      await this.transaction(async (trx) => {
        const row = await trx
          .selectFrom('machines')
          .selectAll()
          .where('system_id', '=', systemId)
          .where('status_expires', '<=', this.now())
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!row) return;
        const status = statusOf(row);
        const to = failedStatusOf[status];
        if (!to) return;
        const minutes = Math.round((this.now().getTime() - row.updated.getTime()) / 60_000);
        const reason = `Machine operation '${statusLabel(status)}' timed out after ${String(minutes)} minutes.`;
        await this.deps.scriptRuns?.end(trx, row, 'TIMEDOUT');
        await this.move(trx, row, to, null, statusLabel(to), reason, { error_description: reason });
        failed.push(systemId);
      });
    }
    return failed;
  }

  private async plan(
    trx: Transaction<Database>,
    row: MachineRow,
    action: MachineAction,
    user: UserRow,
    options: ActionOptions,
  ): Promise<{
    to?: NodeStatus;
    event?: string;
    set?: Record<string, unknown>;
    power?: PowerWork[];
  }> {
    const status = statusOf(row);
    switch (action) {
      case 'commission':
        // The scripts first: an unknown script is a 400 and the transaction changes nothing.
        await this.deps.scriptRuns?.begin(trx, row, commissioningRun(options));
        return { to: 'COMMISSIONING', power: ['cycle'], set: { enable_ssh: options.enableSsh ?? false } };
      case 'test':
        await this.deps.scriptRuns?.begin(trx, row, {
          kind: 'testing',
          testingScripts: options.testingScripts,
          parameters: options.scriptParameters,
          parameterFields: options.scriptParameterFields,
        });
        return {
          to: 'TESTING',
          power: ['cycle'],
          set: { previous_status: row.status, enable_ssh: options.enableSsh ?? false },
        };
      case 'abort': {
        // Aborting returns to where the operation started (MAAS: previous status; failed for deploy).
        const back: NodeStatus =
          status === 'DEPLOYING' ? 'ALLOCATED' : status === 'DISK_ERASING' ? 'FAILED_DISK_ERASING' : 'NEW';
        const to = status === 'TESTING' || status === 'COMMISSIONING' ? previousOr(row, 'NEW') : back;
        // An aborted deployment returns the addresses it claimed; the next deploy claims again.
        if (status === 'DEPLOYING') await this.deps.addresses.releaseAuto(trx, row);
        await this.deps.scriptRuns?.end(trx, row, 'ABORTED');
        return { to, event: `Aborted ${statusLabel(status).toLowerCase()}`, power: ['off'] };
      }
      case 'acquire':
        return {
          to: 'ALLOCATED',
          set: { owner_id: user.id, agent_name: options.agentName ?? row.agent_name },
        };
      case 'deploy': {
        const set: Record<string, unknown> = {
          osystem: options.osystem ?? '',
          distro_series: options.distroSeries ?? '',
          ephemeral_deploy: options.ephemeral ?? false,
          // The installer boots from the network; curtin turns netboot off once the OS is on disk.
          netboot: true,
        };
        if (status === 'READY') {
          // From Ready, deploy allocates first, as MAAS does.
          await this.move(trx, row, 'ALLOCATED', user.username, 'Allocated', options.comment);
          set['owner_id'] = user.id;
        }
        if (options.agentName !== undefined) set['agent_name'] = options.agentName;
        // The AUTO links get their addresses; none free on a subnet is a 503 and no deploy.
        await this.deps.addresses.claimAuto(trx, row);
        // The installation's results: curtin's log, filled by the status webhook.
        await this.deps.scriptRuns?.begin(trx, row, { kind: 'installation' });
        // The user data this deployment serves to the machine (none given: none served).
        await trx.deleteFrom('machine_user_data').where('machine_id', '=', row.id).execute();
        if (options.userData !== undefined)
          await trx
            .insertInto('machine_user_data')
            .values({ machine_id: row.id, data: options.userData })
            .execute();
        return { to: 'DEPLOYING', set, power: ['cycle'] };
      }
      case 'release':
        await this.deps.addresses.releaseStarted(trx, row);
        if (options.erase === true) {
          // MAAS's start_disk_erasing: the ephemeral environment runs wipe-disks, then signals OK.
          await this.deps.scriptRuns?.begin(trx, row, {
            kind: 'release',
            scripts: [WIPE_DISKS],
            parameters: {
              [WIPE_DISKS]: {
                secure_erase: String(options.secureErase === true),
                quick_erase: String(options.quickErase === true),
              },
            },
          });
          return { to: 'DISK_ERASING', set: { netboot: true }, power: ['cycle'] };
        }
        return { to: 'RELEASING', power: ['off'] };
      case 'mark-broken':
        return { to: 'BROKEN', ...(options.comment ? { set: { error_description: options.comment } } : {}) };
      case 'mark-fixed':
        return { to: 'READY', set: { error_description: '' } };
      case 'override-failed-testing':
        return { to: previousOr(row, 'READY'), event: 'Overrode failed testing' };
      case 'rescue-mode':
        return { to: 'ENTERING_RESCUE_MODE', set: { previous_status: row.status }, power: ['cycle'] };
      case 'exit-rescue-mode':
        return { to: 'EXITING_RESCUE_MODE', power: ['off'] };
      case 'lock':
        return { event: 'Locked', set: { locked: true } };
      case 'unlock':
        return { event: 'Unlocked', set: { locked: false } };
      case 'on':
        return { event: 'Powering on', power: ['on'] };
      case 'off':
        return { event: 'Powering off', power: ['off'] };
      case 'tag':
      case 'untag':
      case 'clone':
      case 'set-zone':
      case 'set-pool':
      case 'delete':
        throw new AppError(
          'validation_failed',
          `The ${action} action is not available through this operation.`,
        );
    }
  }

  /** Moves a locked machine through the transition table (see `transition`), with the other columns in `set`. */
  private async move(
    trx: Transaction<Database>,
    row: MachineRow,
    to: NodeStatus,
    username: string | null,
    eventType: string,
    comment: string | undefined,
    set: Readonly<Record<string, unknown>> = {},
  ): Promise<void> {
    const from = statusOf(row);
    checkTransition(from, to);
    const minutes = statusTimeoutMinutes(
      to,
      usesNodeTimeout(to) ? await this.deps.nodeTimeoutMinutes(trx) : 0,
    );
    await this.transition(trx, trx.selectNoFrom(sql<number>`${row.id}::int`.as('id')), {
      from,
      to,
      username,
      eventType,
      comment,
      set: keepsPreviousStatus.has(to) ? set : { previous_status: row.status, ...set },
      minutes,
    });
    row.status = statusValue(to);
  }

  /**
   * The one statement every status change is: the machines `target` selects (by id) go from
   * `from` to `to` with the columns in `set` and the timeout deadline, and each gets a status
   * history row and an event, all or none. Returns the ids moved. The transition must be in
   * the domain's table; `target` must only select machines in `from`.
   */
  private async transition(
    db: Kysely<Database>,
    target: SelectQueryBuilder<Database, never, { id: number }> | MachineQuery,
    change: {
      from: NodeStatus;
      to: NodeStatus;
      username: string | null;
      eventType: string;
      comment: string | undefined;
      set: Readonly<Record<string, unknown>>;
      minutes: number | undefined;
    },
  ): Promise<number[]> {
    checkTransition(change.from, change.to);
    const now = this.now();
    const event = eventRow(machineEvent(change.eventType, change.username, change.comment));
    const text = (value: string | null) => sql<string>`${value}::text`;
    const rows = await db
      .with('target', () => target)
      .with('moved', (qc) =>
        qc
          .updateTable('machines')
          .set({
            ...change.set,
            status: statusValue(change.to),
            status_expires:
              change.minutes === undefined ? null : new Date(now.getTime() + change.minutes * 60_000),
            updated: now,
          })
          .where('machines.id', 'in', qc.selectFrom('target').select('target.id'))
          // The statement moves only machines in `from`, whatever `target` selected.
          .where('machines.status', '=', statusValue(change.from))
          .returning(['machines.id', 'machines.system_id', 'machines.hostname']),
      )
      .with('history', (qc) =>
        qc
          .insertInto('machine_status_history')
          .columns(['machine_id', 'from_status', 'to_status', 'username', 'reason'])
          .expression((eb) =>
            eb
              .selectFrom('moved')
              .select([
                'moved.id',
                sql<number>`${statusValue(change.from)}::int`.as('from_status'),
                sql<number>`${statusValue(change.to)}::int`.as('to_status'),
                text(change.username).as('username'),
                text(change.comment ?? '').as('reason'),
              ]),
          ),
      )
      .with('event', (qc) =>
        qc
          .insertInto('events')
          .columns(['type', 'level', 'description', 'action', 'username', 'node_system_id', 'node_hostname'])
          .expression((eb) =>
            eb
              .selectFrom('moved')
              .select([
                text(event.type).as('type'),
                sql<number>`${event.level}::int`.as('level'),
                text(event.description ?? '').as('description'),
                text(event.action ?? '').as('action'),
                text(event.username ?? null).as('username'),
                'moved.system_id',
                'moved.hostname',
              ]),
          ),
      )
      .selectFrom('moved')
      .select('moved.id')
      .execute();
    const ids = rows.map((r) => r.id);
    if (ids.length > 0 && this.deps.statusChanged) await this.deps.statusChanged(db, ids, change.to);
    return ids;
  }

  private async event(
    trx: Transaction<Database>,
    row: MachineRow,
    type: string,
    username: string | null,
    comment: string | undefined,
  ): Promise<void> {
    await this.deps.events.record(machineEvent(type, username, comment, row), trx);
  }

  private lock(trx: Transaction<Database>, systemId: string, viewer?: UserRow): Promise<MachineRow> {
    return machineRow(trx, systemId, { viewer, lock: true });
  }

  private transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.deps.db.transaction().execute(fn);
  }

  views(ids: readonly number[]): Promise<MachineView[]> {
    return loadMachineViews(this.deps.db, ids);
  }

  private async view(id: number): Promise<MachineView> {
    const view = await loadMachineView(this.deps.db, [id]);
    if (!view) throw notFound();
    return view;
  }
}

/** What a machine returned to Ready no longer has: its owner and what they set. */
const releasedOwnership = {
  owner_id: null,
  agent_name: '',
  owner_data: '{}',
  osystem: '',
  distro_series: '',
  ephemeral_deploy: false,
  locked: false,
} as const;

/** The event a status change or action writes (of `row` when given; else the statement supplies the machine). */
function machineEvent(
  type: string,
  username: string | null,
  comment: string | undefined,
  row?: MachineRow,
): NewEvent {
  return {
    type,
    level: type.startsWith('Failed') || type.includes('failed') ? 'ERROR' : 'INFO',
    description: comment ?? '',
    username,
    ...(row ? { nodeSystemId: row.system_id, nodeHostname: row.hostname } : {}),
  };
}

/**
 * Statuses that remember where the machine came from rather than overwrite it: testing and
 * the rescue-mode round trip return to the status before them.
 */
const keepsPreviousStatus = new Set<NodeStatus>([
  'TESTING',
  'ENTERING_RESCUE_MODE',
  'RESCUE_MODE',
  'EXITING_RESCUE_MODE',
]);

/** Where an in-progress status goes when its work succeeds. */
function successOf(row: MachineRow, status: NodeStatus): NodeStatus | undefined {
  switch (status) {
    case 'COMMISSIONING':
      return 'READY';
    case 'TESTING':
      return previousOr(row, 'READY');
    case 'DEPLOYING':
      return 'DEPLOYED';
    case 'RELEASING':
      return 'READY';
    case 'DISK_ERASING':
      return 'RELEASING';
    case 'ENTERING_RESCUE_MODE':
      return 'RESCUE_MODE';
    case 'EXITING_RESCUE_MODE':
      return previousOr(row, 'READY');
    case 'NEW':
    case 'READY':
    case 'ALLOCATED':
    case 'DEPLOYED':
    case 'BROKEN':
    case 'MISSING':
    case 'RESERVED':
    case 'RETIRED':
    case 'RESCUE_MODE':
    case 'FAILED_COMMISSIONING':
    case 'FAILED_DEPLOYMENT':
    case 'FAILED_DISK_ERASING':
    case 'FAILED_ENTERING_RESCUE_MODE':
    case 'FAILED_EXITING_RESCUE_MODE':
    case 'FAILED_RELEASING':
    case 'FAILED_TESTING':
      return undefined;
  }
}

/** The status a machine was in before the current one. */
function previousOr(row: MachineRow, fallback: NodeStatus): NodeStatus {
  return statusFromValue(row.previous_status) ?? fallback;
}
