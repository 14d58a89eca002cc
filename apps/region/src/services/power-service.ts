import { CompiledQuery, type Kysely } from 'kysely';
import { AppError, statusFromValue } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import type { PowerDriver, PowerState } from '@ferrum/protocol';
import type { PowerWork, PowerWorkSink } from './machine-lifecycle.js';
import type { SqlExecutor } from '../jobs/job-queue.js';

/** The queue power work goes through (the region's pg-boss JobQueue). */
export interface PowerQueue {
  /** `within`: the caller's transaction, so the job commits with the change that asked for it. */
  send(name: string, data: object, options?: { within?: SqlExecutor }): Promise<unknown>;
}

/** The job queue's name for power work. */
export const POWER_QUEUE = 'power';

/** How long one driver call may take before it is abandoned. */
const POWER_TIMEOUT_MS = 60_000;

export interface PowerJob {
  readonly systemId: string;
  readonly work: PowerWork;
}

export interface PowerServiceDeps {
  /** When given, power work is queued (durable, retried, shared by region processes); else run at once. */
  readonly queue?: PowerQueue | undefined;
  readonly db: Kysely<Database>;
  /** The driver of a power type, or undefined when this region has none. */
  readonly driver: (powerType: string) => PowerDriver | undefined;
  readonly parameters: (row: MachineRow) => Record<string, string>;
  /** Called when power work a status waits for is done (release: the machine is off). */
  readonly confirmed: (systemId: string, work: PowerWork) => Promise<void>;
}

/**
 * Power work for the lifecycle, after its transaction committed: queued in the job queue, whose
 * `power` worker calls `run`. Without a queue (tools and tests that start no workers) the work
 * runs at once in this process. Only the manual driver exists until the rack and power issues
 * land; the rack will serve the same driver interface.
 */
export class PowerService implements PowerWorkSink {
  constructor(private readonly deps: PowerServiceDeps) {}

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

  /** Carries out power work: the driver's on/off, the state it then reports, and the status it completes. */
  async run(systemId: string, work: PowerWork): Promise<void> {
    const row = await this.deps.db
      .selectFrom('machines')
      .selectAll()
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    if (!row) return;
    const driver = this.driverFor(row);
    const params = this.deps.parameters(row);
    const ctx = { signal: AbortSignal.timeout(POWER_TIMEOUT_MS), systemId };
    if (work === 'off') await driver.off(params, ctx);
    else await driver.on(params, ctx);
    await this.record(row.id, await driver.query(params, ctx));
    const status = statusFromValue(row.status);
    if (work === 'off' && (status === 'RELEASING' || status === 'EXITING_RESCUE_MODE'))
      await this.deps.confirmed(systemId, work);
  }

  /** `query_power_state`: asks the driver and records what it says. */
  async query(row: MachineRow): Promise<PowerState> {
    const state = await this.driverFor(row).query(this.deps.parameters(row), {
      signal: AbortSignal.timeout(POWER_TIMEOUT_MS),
      systemId: row.system_id,
    });
    await this.record(row.id, state);
    return state;
  }

  private async record(id: number, state: PowerState): Promise<void> {
    await this.deps.db
      .updateTable('machines')
      .set({ power_state: state, power_state_updated: new Date() })
      .where('id', '=', id)
      .execute();
  }

  private driverFor(row: MachineRow): PowerDriver {
    const driver = this.deps.driver(row.power_type || 'manual');
    if (!driver)
      throw new AppError(
        'validation_failed',
        `Power type '${row.power_type}' of machine ${row.hostname} is not supported yet; only 'manual' is.`,
      );
    return driver;
  }
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
