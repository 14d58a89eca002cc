import type pg from 'pg';
import { PgBoss, type Db, type Job, type SendOptions as BossSendOptions } from 'pg-boss';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';

/** The schema migration 0004 installs pg-boss into. */
export const jobQueueSchema = 'pgboss';

/**
 * How a queue treats jobs with the same `singletonKey` (pg-boss's queue policies):
 * - `standard`: no deduplication; `singletonKey` is refused on it.
 * - `short`: at most one job per key waiting; a second `send` is dropped until it starts.
 * - `singleton`: at most one job per key running; more may wait.
 * - `stately`: at most one waiting and one running per key.
 * - `exclusive`: at most one job per key waiting or running.
 */
export type QueuePolicy = 'standard' | 'short' | 'singleton' | 'stately' | 'exclusive';

export interface QueueDefinition {
  readonly policy?: QueuePolicy;
  /** Retries after the first failure (pg-boss's default is 2). */
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  /** Doubles the delay on each retry, with jitter. */
  readonly retryBackoff?: boolean;
  /** How long one attempt may run before it counts as failed (default 15 minutes). */
  readonly expireInSeconds?: number;
  /** How long a finished job is kept (default 7 days). */
  readonly deleteAfterSeconds?: number;
}

export interface SendOptions {
  /** With a deduplicating queue policy: a second job with this key is dropped. */
  readonly singletonKey?: string;
  /** Not before this time, or this many seconds from now. */
  readonly startAfter?: Date | number;
  /** Overrides the queue's retry limit for this job. */
  readonly retryLimit?: number;
  /**
   * Sends through this database session instead of the pool, e.g. the caller's transaction, so
   * the job exists if and only if the change that asked for it commits.
   */
  readonly within?: SqlExecutor;
}

/** Runs one SQL statement with positional parameters (a transaction, a connection). */
export interface SqlExecutor {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** What a handler knows about the job it runs. */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  /** 0 on the first attempt. */
  readonly retryCount: number;
  /** Aborted when the attempt expires or the queue stops without waiting for it any longer. */
  readonly signal: AbortSignal;
}

/** Runs one job; a rejection fails the attempt, and the job is retried while retries remain. */
export type JobHandler<T> = (data: T, job: JobContext) => Promise<void>;

export interface WorkOptions {
  /** Jobs of this queue this process runs at once (default 1). */
  readonly concurrency?: number;
}

export interface ScheduleOptions {
  /** Tells several schedules of one queue apart. */
  readonly key?: string;
  /** Time zone the expression is read in (default UTC). */
  readonly tz?: string;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobInfo {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  readonly retryCount: number;
  readonly data: unknown;
  /** The handler's failure (serialised) or result. */
  readonly output: unknown;
}

export interface JobQueueDeps {
  /** The region's pool: pg-boss runs its statements through it and opens no pool of its own. */
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** How often an idle worker looks for jobs (pg-boss's minimum is 0.5; default 2). */
  readonly pollingIntervalSeconds?: number;
  /** How long `stop()` waits for running handlers before failing their jobs (default 10 s). */
  readonly stopTimeoutMs?: number;
  /**
   * How often schedules are checked for jobs that came due (1–45; default 30). A schedule
   * fires at the first check after its time, so this is its precision, whatever the cron says.
   */
  readonly scheduleCheckSeconds?: number;
  /** Shown in pg-boss's instance registry. */
  readonly instanceName?: string;
}

/**
 * The region's durable job queue: pg-boss on the region's PostgreSQL, shared by every region
 * process (each job runs once, in whichever process fetches it first). Queues are declared
 * with `defineQueue` by every process that sends to or works on them, before use.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #deps: JobQueueDeps;
  readonly #queues = new Map<string, QueuePolicy>();
  /** Per queue, this process's workers waiting for a job (pg-boss worker ids). */
  readonly #idle = new Map<string, Set<string>>();

  constructor(deps: JobQueueDeps) {
    this.#deps = deps;
    const { pool } = deps;
    const db: Db = {
      executeSql: (text, values) => pool.query(text, values),
      poolCounts: () => ({
        max: pool.options.max,
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
    };
    this.#boss = new PgBoss({
      db,
      schema: jobQueueSchema,
      // The schema is Ferrum's migration 0004; pg-boss only checks its version at start.
      migrate: false,
      // Maintenance (expiry, retention, stats) and cron run in every process; pg-boss
      // coordinates them through its own rows and advisory locks.
      supervise: true,
      schedule: true,
      ...optional('cronMonitorIntervalSeconds', deps.scheduleCheckSeconds),
      ...optional('instanceName', deps.instanceName),
    });
    // An 'error' event nobody listens to would crash the process.
    this.#boss.on('error', (error) => {
      deps.logger.error({ err: error }, 'job queue error');
    });
    this.#boss.on('warning', (warning) => {
      deps.logger.warn({ warning: warning.message, data: warning.data }, 'job queue warning');
    });
  }

  async start(): Promise<void> {
    try {
      await this.#boss.start();
    } catch (error) {
      const message = (error as Error).message;
      if (/not installed|requires migrations/.test(message)) {
        const found = await this.#boss.schemaVersion().catch(() => null);
        throw new AppError(
          'internal',
          `The job queue schema '${jobQueueSchema}' is ${found === null ? 'missing' : `at version ${found}`}, ` +
            'not the one this build of pg-boss expects: run the database migrations of this build.',
        );
      }
      throw error;
    }
  }

  /**
   * Stops fetching, waits for running handlers up to `timeoutMs`, then fails what still runs
   * (those jobs are retried later, here or in another process) and aborts their signals.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.#boss.stop({
      graceful: true,
      timeout: options.timeoutMs ?? this.#deps.stopTimeoutMs ?? 10_000,
    });
  }

  /** Creates the queue if it does not exist yet (a queue's policy is fixed once created). */
  async defineQueue(name: string, definition: QueueDefinition = {}): Promise<void> {
    const policy = definition.policy ?? 'standard';
    await this.#boss.createQueue(name, {
      policy,
      ...optional('retryLimit', definition.retryLimit),
      ...optional('retryDelay', definition.retryDelaySeconds),
      ...optional('retryBackoff', definition.retryBackoff),
      ...optional('expireInSeconds', definition.expireInSeconds),
      ...optional('deleteAfterSeconds', definition.deleteAfterSeconds),
    });
    const stored = await this.#boss.getQueue(name);
    if (stored && stored.policy !== policy)
      throw new AppError(
        'internal',
        `Queue '${name}' exists with policy '${String(stored.policy)}', not '${policy}'; a queue's policy cannot change.`,
      );
    this.#queues.set(name, policy);
  }

  /** Adds a job; resolves to its id, or undefined when the queue's policy dropped it as a duplicate. */
  async send(name: string, data: object, options: SendOptions = {}): Promise<string | undefined> {
    const policy = this.#policy(name);
    if (options.singletonKey !== undefined && policy === 'standard')
      throw new AppError(
        'internal',
        `Queue '${name}' has the standard policy, which ignores singletonKey; define it with a deduplicating policy.`,
      );
    const sendOptions: BossSendOptions = {
      ...optional('singletonKey', options.singletonKey),
      ...optional('startAfter', options.startAfter),
      ...optional('retryLimit', options.retryLimit),
      ...(options.within ? { db: options.within } : {}),
    };
    const id = await this.#boss.send(name, data, sendOptions);
    // Sent in a transaction, the job is not there to fetch until it commits: the sender wakes
    // the workers then (`wake`). Sent on its own, it is there now.
    if (id && !options.within) this.wake(name, 1);
    return id ?? undefined;
  }

  /**
   * Has up to `count` of this process's idle workers of `name` fetch at once, instead of at the
   * end of their polling interval: a job sent here starts in milliseconds, not up to 2 s later.
   * Workers of other processes still poll.
   */
  wake(name: string, count: number): void {
    const idle = this.#idle.get(name);
    if (!idle) return;
    for (const workerId of [...idle].slice(0, count)) {
      // To the back of the line: the next wake picks others, whether this one found the job
      // (another process may have taken it) or not.
      idle.delete(workerId);
      idle.add(workerId);
      this.#boss.notifyWorker(workerId);
    }
  }

  /** Runs `handler` for jobs of the queue in this process until `stop()`. */
  async work<T extends object>(
    name: string,
    handler: JobHandler<T>,
    options: WorkOptions = {},
  ): Promise<void> {
    this.#policy(name);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new AppError(
        'internal',
        `Work concurrency for '${name}' must be a positive integer, got ${concurrency}.`,
      );
    // One pg-boss worker per slot, each knowing its own id: a worker that has just run a job
    // wakes itself to fetch the next one at once. pg-boss would otherwise sleep a whole polling
    // interval after every job (its burst modes need batches or a lagging count), capping a
    // worker at one job per interval however long the backlog.
    const idle = this.#idle.get(name) ?? new Set<string>();
    this.#idle.set(name, idle);
    for (let slot = 0; slot < concurrency; slot++) {
      // Filled in once work() answers, which is before the worker's first fetch can return.
      const worker: { id?: string } = {};
      worker.id = await this.#boss.work<T>(
        name,
        { localConcurrency: 1, batchSize: 1, pollingIntervalSeconds: this.#deps.pollingIntervalSeconds ?? 2 },
        async (jobs: Job<T>[]) => {
          if (worker.id !== undefined) idle.delete(worker.id);
          try {
            for (const job of jobs) await this.#run(name, job, handler);
          } finally {
            // Fetches again at once; when that finds nothing it sleeps, idle, until woken.
            if (worker.id !== undefined) {
              idle.add(worker.id);
              this.#boss.notifyWorker(worker.id);
            }
          }
        },
      );
      idle.add(worker.id);
    }
  }

  async #run<T>(name: string, job: Job<T>, handler: JobHandler<T>): Promise<void> {
    try {
      await handler(job.data, { id: job.id, name: job.name, retryCount: job.retryCount, signal: job.signal });
    } catch (error) {
      this.#deps.logger.warn(
        { err: error, jobId: job.id, queue: name, retryCount: job.retryCount },
        'job failed',
      );
      throw error;
    }
  }

  /**
   * Sends a job on a cron expression, from one process at a time. Jobs are sent at the first
   * schedule check after they come due (see `scheduleCheckSeconds`), so finer than that is moot.
   */
  async schedule(
    name: string,
    cron: string,
    data: object = {},
    options: ScheduleOptions = {},
  ): Promise<void> {
    this.#policy(name);
    await this.#boss.schedule(name, cron, data, {
      ...optional('key', options.key),
      ...optional('tz', options.tz),
    });
  }

  async unschedule(name: string, key?: string): Promise<void> {
    await this.#boss.unschedule(name, key);
  }

  /** A job's state, or undefined when it does not exist (or was already deleted by retention). */
  async findJob(name: string, id: string): Promise<JobInfo | undefined> {
    const [job] = await this.#boss.findJobs(name, { id });
    if (!job) return undefined;
    return {
      id: job.id,
      name: job.name,
      state: job.state,
      retryCount: job.retryCount,
      data: job.data,
      output: job.output,
    };
  }

  #policy(name: string): QueuePolicy {
    const policy = this.#queues.get(name);
    if (!policy)
      throw new AppError(
        'internal',
        `Queue '${name}' is used before defineQueue: declare it when the region starts.`,
      );
    return policy;
  }
}

/** `{ key: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
