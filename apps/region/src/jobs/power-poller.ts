import { sql, type Kysely } from 'kysely';
import type { Logger } from '@ferrum/kit';
import type { Database, MachineRow } from '../db/schema.js';
import type { PollOutcome, PowerService } from '../services/power-service.js';
import type { PowerTypeRegistry } from '../power/power-type-registry.js';
import type { RackCaller } from '../services/rack-caller.js';

export interface PowerPollerDeps {
  readonly db: Kysely<Database>;
  readonly power: Pick<PowerService, 'poll'>;
  readonly types: Pick<PowerTypeRegistry, 'list'>;
  readonly racks: Pick<RackCaller, 'connectedIds'>;
  readonly logger: Logger;
  /** How often each queryable machine is polled (FERRUM_POWER_POLL_INTERVAL). */
  readonly intervalMs: number;
  /**
   * How often the poller wakes; each wake polls its share of the interval (default: a thirtieth
   * of the interval, from 1 s to 10 s).
   */
  readonly tickMs?: number;
  /** Polls in flight at once from this process (the racks bound their own work too). */
  readonly concurrency?: number;
}

/** What one tick did, for logs and tests. */
export interface PollTick {
  readonly claimed: number;
  readonly polled: number;
  readonly failed: number;
  /** Left to the region process that holds their best rack. */
  readonly elsewhere: number;
}

const NOTHING: PollTick = { claimed: 0, polled: 0, failed: 0, elsewhere: 0 };

/**
 * Polls the power state of every queryable machine once per interval, spread evenly: each tick
 * claims its share of the machines due (the least recently polled first), and the rack that
 * reaches each BMC asks it (PowerService.poll). Several region processes share the work through
 * the database: the claim is `FOR UPDATE SKIP LOCKED` and stamps `power_state_polled`, and a
 * process that finds a machine's best rack held by another process hands the claim back, due
 * again but behind the machines waiting longer, for that process to take. A tick never
 * overlaps the previous one.
 */
export class PowerPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly tickMs: number;
  private readonly concurrency: number;

  constructor(private readonly deps: PowerPollerDeps) {
    this.tickMs = deps.tickMs ?? Math.min(10_000, Math.max(1000, Math.round(deps.intervalMs / 30)));
    this.concurrency = deps.concurrency ?? 32;
  }

  start(): void {
    if (this.timer || this.deps.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => {
        this.running = undefined;
      });
    }, this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One tick now: claims this tick's share of the due machines and polls them. */
  async tick(): Promise<PollTick> {
    try {
      // A process without racks can poll nothing: it leaves the machines to the others.
      if (this.deps.racks.connectedIds().length === 0) return NOTHING;
      const types = this.deps.types
        .list()
        .filter((t) => t.queryable && t.name !== 'manual')
        .map((t) => t.name);
      if (types.length === 0) return NOTHING;
      const rows = await this.claim(types);
      const outcomes = await this.pollAll(rows);
      const count = (kind: PollOutcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
      const tick: PollTick = {
        claimed: rows.length,
        polled: count('polled'),
        failed: count('failed') + count('unroutable'),
        elsewhere: count('elsewhere'),
      };
      if (tick.claimed > 0) this.deps.logger.debug(tick, 'power poll');
      return tick;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'power poll failed; trying again at the next tick');
      return NOTHING;
    }
  }

  /**
   * This tick's share: the queryable machines over the ticks in an interval, rounded up, so that
   * every machine is polled once per interval however many there are.
   */
  private async claim(types: readonly string[]): Promise<MachineRow[]> {
    const { db, intervalMs } = this.deps;
    const total = await db
      .selectFrom('machines')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('power_type', 'in', types)
      .executeTakeFirstOrThrow();
    const share = Math.max(1, Math.ceil((Number(total.n) * this.tickMs) / intervalMs));
    const interval = `${String(intervalMs)} milliseconds`;
    const claimed = await sql<MachineRow>`
      UPDATE machines m SET power_state_polled = now()
        FROM (SELECT id FROM machines
               WHERE power_type IN (${sql.join(types)})
                 AND (power_state_polled IS NULL OR power_state_polled <= now() - ${interval}::interval)
               ORDER BY power_state_polled NULLS FIRST, id
               LIMIT ${share}
               FOR UPDATE SKIP LOCKED) due
       WHERE m.id = due.id
      RETURNING m.*`.execute(db);
    return claimed.rows;
  }

  private async pollAll(rows: readonly MachineRow[]): Promise<PollOutcome[]> {
    const outcomes: PollOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        if (!row) break;
        const outcome = await this.deps.power.poll(row);
        if (outcome.kind === 'elsewhere') await this.handBack(row.id);
        outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, worker));
    return outcomes;
  }

  /** Due again at once, but after every machine that has waited longer. */
  private async handBack(id: number): Promise<void> {
    const interval = `${String(this.deps.intervalMs)} milliseconds`;
    await sql`UPDATE machines SET power_state_polled = now() - ${interval}::interval WHERE id = ${id}`.execute(
      this.deps.db,
    );
  }
}
