import { CompiledQuery, type Kysely } from 'kysely';
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
import type { SqlExecutor } from '../jobs/job-queue.js';
import type { EventService } from './event-service.js';
import type { RackCaller } from './rack-caller.js';
import type { PowerTypeRegistry } from '../power/power-type-registry.js';
import { PowerRouter, type PowerRoute } from './power-routing.js';

/** The queue power work goes through (the region's pg-boss JobQueue). */
export interface PowerQueue {
  /** `within`: the caller's transaction, so the job commits with the change that asked for it. */
  send(name: string, data: object, options?: { within?: SqlExecutor }): Promise<unknown>;
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

  private event(row: MachineRow, level: 'INFO' | 'ERROR', type: string, description: string): Promise<void> {
    return this.deps.events.record({
      type,
      level,
      description,
      nodeSystemId: row.system_id,
      nodeHostname: row.hostname,
    });
  }

  private async record(id: number, state: PowerState): Promise<void> {
    await this.deps.db
      .updateTable('machines')
      .set({ power_state: state, power_state_updated: new Date() })
      .where('id', '=', id)
      .execute();
  }
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
