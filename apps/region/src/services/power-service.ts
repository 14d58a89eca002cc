import { CompiledQuery, sql, type Kysely } from 'kysely';
import {
  AppError,
  errorCodes,
  failedStatusOf,
  statusFromValue,
  type ErrorCode,
  type FieldErrors,
} from '@ferrum/domain';
import {
  RpcError,
  rpcErrorCodes,
  powerChange,
  powerQuery,
  type PowerState,
  type PowerTypeDeclaration,
} from '@ferrum/protocol';
import type { Database, MachineRow } from '../db/schema.js';
import type { PowerWork, PowerWorkSink } from './machine-lifecycle.js';
import { jobQueueSchema, type SqlExecutor } from '../jobs/job-queue.js';
import type { EventService } from './event-service.js';
import type { RackCaller } from './rack-caller.js';
import type { PowerTypeRegistry } from '../power/power-type-registry.js';
import { PowerRouter, type PowerRoute } from './power-routing.js';

/** The queue power work goes through (the region's pg-boss JobQueue). */
export interface PowerQueue {
  /** `within`: the caller's transaction, so the job commits with the change that asked for it. */
  send(name: string, data: object, options?: { within?: SqlExecutor }): Promise<unknown>;
  /** Jobs were sent in a transaction that has committed: idle workers of this process fetch them now. */
  wake?(name: string, count: number): void;
}

/** The job queue's name for power work. */
export const POWER_QUEUE = 'power';

/** Attempts of one piece of power work (the queue's retry limit is one less). */
export const POWER_ATTEMPTS = 3;

/**
 * How long the rack has for a power change: its driver calls (60 s each at most) and the wait
 * for the BMC to confirm the new state (30 s).
 */
const CHANGE_DEADLINE_MS = 150_000;
/** `query_power_state` waits this long for the rack, as MAAS does. */
const QUERY_DEADLINE_MS = 60_000;

/**
 * Errors worth another attempt: the BMC or the rack did not answer, was busy, or failed in a
 * way that may pass. Never retried: wrong credentials, wrong settings, a missing tool — the
 * same call would fail the same way, and a locked-out BMC account is worse than one failure.
 */
const RETRIED: ReadonlySet<ErrorCode> = new Set([
  'power_unreachable',
  'power_bmc_busy',
  'power_failed',
  'rack_unavailable',
  'internal',
]);

export interface PowerJob {
  readonly systemId: string;
  readonly work: PowerWork;
}

/** Which attempt this is, of how many (the job queue's retry count). */
export interface PowerAttempt {
  readonly number: number;
  readonly of: number;
}

export interface PowerServiceDeps {
  /** When given, power work is queued (durable, retried, shared by region processes); else run at once. */
  readonly queue?: PowerQueue | undefined;
  readonly db: Kysely<Database>;
  readonly events: EventService;
  readonly types: PowerTypeRegistry;
  readonly racks: RackCaller;
  readonly parameters: (row: MachineRow) => Record<string, string>;
  /** Called when power work a status waits for is done (release: the machine is off). */
  readonly confirmed: (systemId: string, work: PowerWork) => Promise<void>;
  /** Called when power work a status waits for has failed for good: the machine goes to its failed status. */
  readonly failed: (systemId: string, description: string) => Promise<void>;
}

const verbs: Record<PowerWork, { starting: string; failed: string; noun: string }> = {
  on: { starting: 'Powering on', failed: 'Failed to power on node', noun: 'power on' },
  cycle: { starting: 'Power cycling', failed: 'Failed to power cycle node', noun: 'power cycle' },
  off: { starting: 'Powering off', failed: 'Failed to power off node', noun: 'power off' },
};

/** A rack's field errors (`{field: [message…]}`), or undefined when the rack sent none or a bad shape. */
function fieldErrorsOf(value: unknown): FieldErrors | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields: Record<string, readonly string[]> = {};
  for (const [field, messages] of Object.entries(value)) {
    if (!Array.isArray(messages) || !messages.every((m): m is string => typeof m === 'string'))
      return undefined;
    fields[field] = messages;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/** A rack's rejection as the region's error: its Ferrum code when it sent one. */
export function powerErrorOf(error: unknown, rack: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof RpcError) {
    const data = error.data as { code?: unknown; fields?: unknown } | undefined;
    const code = data?.code;
    if (
      error.code === rpcErrorCodes.applicationError &&
      typeof code === 'string' &&
      (errorCodes as readonly string[]).includes(code)
    ) {
      const fields = fieldErrorsOf(data?.fields);
      return new AppError(code as ErrorCode, error.message, fields ? { fields } : {});
    }
    if (error.code === rpcErrorCodes.deadlineExceeded)
      return new AppError('power_unreachable', `Rack ${rack} did not answer in time: ${error.message}`);
    return new AppError('rack_unavailable', `Rack ${rack} could not do the power work: ${error.message}`, {
      retryAfterSeconds: 10,
    });
  }
  return new AppError('internal', error instanceof Error ? error.message : String(error));
}

/**
 * Power work for the lifecycle, after its transaction committed: queued in the job queue, whose
 * `power` worker calls `run`; without a queue (tools and tests that start no workers) the work
 * runs at once in this process. The work is done by a rack that can reach the machine's BMC
 * (PowerRouter): the region sends it `power.change` and records what it confirms. Each attempt
 * writes an event; errors are retried by class (RETRIED), and work a status waits for that
 * fails for good moves the machine to its failed status. Manual machines need no rack.
 */
export class PowerService implements PowerWorkSink {
  private readonly router: PowerRouter;

  constructor(private readonly deps: PowerServiceDeps) {
    this.router = new PowerRouter({ db: deps.db, racks: deps.racks });
  }

  async enqueue(systemId: string, work: PowerWork): Promise<void> {
    if (this.deps.queue) await this.deps.queue.send(POWER_QUEUE, { systemId, work } satisfies PowerJob);
    else await this.run(systemId, work);
  }

  committed(count: number): void {
    this.deps.queue?.wake?.(POWER_QUEUE, count);
  }

  async enqueueWithin(trx: Kysely<Database>, systemId: string, work: PowerWork): Promise<boolean> {
    if (!this.deps.queue) return false;
    await this.deps.queue.send(POWER_QUEUE, { systemId, work } satisfies PowerJob, {
      within: sqlExecutor(trx),
    });
    return true;
  }

  /**
   * Carries out power work. Rejects only when another attempt should follow (the job queue
   * retries it); the last attempt, and errors never retried, end in an event (and the failed
   * status when a status waited for the work) instead.
   */
  async run(systemId: string, work: PowerWork, attempt: PowerAttempt = { number: 1, of: 1 }): Promise<void> {
    const row = await this.load(systemId);
    if (!row) return;
    const type = row.power_type || 'manual';
    if (type === 'manual') {
      // The operator switches a manual machine: nothing to do, and its state is never known.
      await this.record(row.id, 'unknown');
      await this.confirmIfAwaited(row, work);
      return;
    }
    const verb = verbs[work];
    let route: PowerRoute | undefined;
    try {
      const declaration = this.declarationOf(row);
      if (work === 'off' && declaration.onOnly) {
        // Wake-on-LAN and its kind cannot switch a machine off: that is the operator's part.
        await this.event(
          row,
          'INFO',
          verb.starting,
          `${declaration.description} cannot switch a machine off: switch ${row.hostname} off by hand.`,
        );
        await this.record(row.id, 'unknown');
        await this.confirmIfAwaited(row, work);
        return;
      }
      const parameters = this.deps.parameters(row);
      route = await this.router.route(row, declaration, parameters);
      await this.event(row, 'INFO', verb.starting, `Through rack ${route.rackHostname}${of(attempt)}.`);
      const { state } = await this.deps.racks.call(
        route.rackId,
        powerChange,
        {
          systemId,
          powerType: type,
          parameters,
          action: work === 'off' ? 'off' : 'on',
          pxe: work === 'cycle',
          cycleIfOn: work === 'cycle',
        },
        { deadlineMs: CHANGE_DEADLINE_MS },
      );
      await this.record(row.id, state);
      await this.confirmIfAwaited(row, work);
    } catch (thrown) {
      const error = powerErrorOf(thrown, route?.rackHostname ?? 'unknown');
      const again = RETRIED.has(error.code) && attempt.number < attempt.of;
      const by = route ? ` (rack ${route.rackHostname})` : '';
      await this.event(
        row,
        'ERROR',
        verb.failed,
        `${error.message}${by}${of(attempt)}${again ? '; trying again' : ''}.`,
      );
      if (again) throw error;
      await this.record(row.id, 'error');
      if (work !== 'on' && failedStatusOf[statusFromValue(row.status) ?? 'NEW'])
        await this.deps.failed(systemId, `Failed to ${verb.noun}: ${error.message}`);
    }
  }

  /**
   * `query_power_state`: asks the rack that reaches the BMC (waiting up to 60 s) and records the
   * answer. An error is recorded as an event and thrown with its power code and message.
   */
  async query(row: MachineRow): Promise<PowerState> {
    const type = row.power_type || 'manual';
    if (type === 'manual') {
      await this.record(row.id, 'unknown');
      return 'unknown';
    }
    let route: PowerRoute | undefined;
    try {
      const declaration = this.declarationOf(row);
      if (!declaration.queryable) return 'unknown';
      const parameters = this.deps.parameters(row);
      route = await this.router.route(row, declaration, parameters);
      const { state } = await this.deps.racks.call(
        route.rackId,
        powerQuery,
        { systemId: row.system_id, powerType: type, parameters },
        { deadlineMs: QUERY_DEADLINE_MS },
      );
      await this.record(row.id, state);
      return state;
    } catch (thrown) {
      const error = powerErrorOf(thrown, route?.rackHostname ?? 'unknown');
      const by = route ? ` (rack ${route.rackHostname})` : '';
      await this.event(row, 'ERROR', "Failed to query node's BMC", `${error.message}${by}.`);
      throw error;
    }
  }

  /**
   * One periodic poll of a machine (PowerPoller): asks the rack that reaches its BMC and records
   * the state. Never throws. `elsewhere` when the best rack for it is held by another region
   * process, which polls it instead. A state that changes while nothing of Ferrum's could have
   * changed it (a stable status, no power work queued or running) raises a WARNING event; a
   * query that fails records `error`, with an event only when the state was not already `error`
   * (a dead BMC does not write an event every interval).
   */
  async poll(row: MachineRow): Promise<PollOutcome> {
    const was = row.power_state;
    let route: PowerRoute | undefined;
    let state: PowerState;
    try {
      const declaration = this.declarationOf(row);
      if (!declaration.queryable) return { kind: 'skipped' };
      const parameters = this.deps.parameters(row);
      route = await this.router.route(row, declaration, parameters, { among: 'all' });
      if (!route.local) return { kind: 'elsewhere', rack: route.rackHostname };
      ({ state } = await this.deps.racks.call(
        route.rackId,
        powerQuery,
        { systemId: row.system_id, powerType: row.power_type, parameters },
        { deadlineMs: QUERY_DEADLINE_MS },
      ));
    } catch (thrown) {
      const error = powerErrorOf(thrown, route?.rackHostname ?? 'unknown');
      if (error.code === 'rack_unavailable' && !route) return { kind: 'unroutable', error };
      await this.record(row.id, 'error');
      if (was !== 'error') {
        const by = route ? ` (rack ${route.rackHostname})` : '';
        await this.event(row, 'ERROR', "Failed to query node's BMC", `${error.message}${by}.`);
      }
      return { kind: 'failed', error };
    }
    // Compared with the state as it is now, not as the claim read it: power work may have
    // switched the machine (and stored it) while this query waited for the BMC.
    const before = await this.swap(row.id, state);
    const untouched = before?.updated?.getTime() === row.power_state_updated?.getTime();
    if (
      before &&
      untouched &&
      isOnOrOff(before.was) &&
      isOnOrOff(state) &&
      before.was !== state &&
      (await this.unexpected(row))
    )
      await this.event(
        row,
        'WARNING',
        'Power state changed',
        `Found powered ${state} by rack ${route.rackHostname}; Ferrum last knew it ${before.was}, and no power action of Ferrum's was under way.`,
      );
    return { kind: 'polled', state };
  }

  /** Whether a change of power state found by a poll was nothing Ferrum was doing. */
  private async unexpected(row: MachineRow): Promise<boolean> {
    const status = statusFromValue(row.status);
    // A machine commissioning, deploying, testing, … powers itself off and on as its work goes.
    if (!status || failedStatusOf[status]) return false;
    // So does one whose work ended since the state was last learnt: commissioning ends with the
    // machine switching itself off, and it is Ready by the time a poll finds it off.
    const last = await this.deps.db
      .selectFrom('machine_status_history')
      .select(['from_status', 'created'])
      .where('machine_id', '=', row.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const from =
      last?.from_status === null || last === undefined ? undefined : statusFromValue(last.from_status);
    const learnt = row.power_state_updated?.getTime() ?? 0;
    if (last && from && failedStatusOf[from] && new Date(last.created).getTime() >= learnt) return false;
    const pending = await sql<{ one: number }>`
      SELECT 1 AS one FROM ${sql.id(jobQueueSchema, 'job')}
       WHERE name = ${POWER_QUEUE} AND state IN ('created', 'retry', 'active')
         AND data->>'systemId' = ${row.system_id}
       LIMIT 1`.execute(this.deps.db);
    return pending.rows.length === 0;
  }

  private declarationOf(row: MachineRow): PowerTypeDeclaration {
    if (!this.deps.types.has(row.power_type))
      throw new AppError(
        'power_settings_invalid',
        `Machine ${row.hostname} has power type '${row.power_type}', which Ferrum does not know.`,
      );
    return this.deps.types.get(row.power_type);
  }

  private async confirmIfAwaited(row: MachineRow, work: PowerWork): Promise<void> {
    const status = statusFromValue(row.status);
    if (work === 'off' && (status === 'RELEASING' || status === 'EXITING_RESCUE_MODE'))
      await this.deps.confirmed(row.system_id, work);
  }

  private load(systemId: string): Promise<MachineRow | undefined> {
    return this.deps.db
      .selectFrom('machines')
      .selectAll()
      .where('system_id', '=', systemId)
      .executeTakeFirst();
  }

  private event(
    row: MachineRow,
    level: 'INFO' | 'WARNING' | 'ERROR',
    type: string,
    description: string,
  ): Promise<void> {
    return this.deps.events.record({
      type,
      level,
      description,
      nodeSystemId: row.system_id,
      nodeHostname: row.hostname,
    });
  }

  /** Stores a polled state; answers the state and its time it replaced (undefined: row gone). */
  private async swap(
    id: number,
    state: PowerState,
  ): Promise<{ was: string; updated: Date | null } | undefined> {
    const result = await sql<{ was: string; updated: Date | null }>`
      UPDATE machines m SET power_state = ${state}, power_state_updated = now()
        FROM (SELECT id, power_state, power_state_updated FROM machines WHERE id = ${id} FOR UPDATE) old
       WHERE m.id = old.id
      RETURNING old.power_state AS was, old.power_state_updated AS updated`.execute(this.deps.db);
    return result.rows[0];
  }

  private async record(id: number, state: PowerState): Promise<void> {
    await this.deps.db
      .updateTable('machines')
      .set({ power_state: state, power_state_updated: new Date() })
      .where('id', '=', id)
      .execute();
  }
}

/** What one poll of a machine came to. */
export type PollOutcome =
  | { readonly kind: 'polled'; readonly state: PowerState }
  /** The best rack for it is connected to another region process, which polls it. */
  | { readonly kind: 'elsewhere'; readonly rack: string }
  /** No rack is connected that could: nothing recorded (the machine's state is not its fault). */
  | { readonly kind: 'unroutable'; readonly error: AppError }
  | { readonly kind: 'failed'; readonly error: AppError }
  /** Its power type cannot be asked. */
  | { readonly kind: 'skipped' };

function isOnOrOff(state: string): state is 'on' | 'off' {
  return state === 'on' || state === 'off';
}

function of(attempt: PowerAttempt): string {
  return attempt.of > 1 ? `, attempt ${String(attempt.number)} of ${String(attempt.of)}` : '';
}

/** pg-boss's view of a Kysely session (a transaction): its statements run there. */
function sqlExecutor(db: Kysely<Database>): SqlExecutor {
  return {
    executeSql: async (text, values) => {
      const result = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: [...result.rows] };
    },
  };
}
