import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Executions of one statement text before it is prepared on the server (pgjdbc's `prepareThreshold`). */
const PREPARE_THRESHOLD = 5;
/** Most statements prepared on one connection (pgjdbc's `preparedStatementCacheQueries`). */
const MAX_PREPARED_PER_CONNECTION = 256;
/** Most statement texts counted at once; counting starts over beyond it. */
const MAX_COUNTED = 4096;

interface Counted {
  count: number;
  name: string | undefined;
}

/**
 * The region's pool as Kysely sees it, preparing the statements it runs often. Planning a
 * machine read (four joins, four subqueries) costs PostgreSQL about 1 ms, five times what
 * executing it does; a prepared statement is planned once per connection and then runs from
 * its cached plan. As in pgjdbc, a statement text is prepared once it has run
 * `PREPARE_THRESHOLD` times, on at most `MAX_PREPARED_PER_CONNECTION` statements per
 * connection, so one-off texts (e.g. `IN` lists of varying length) are never prepared and the
 * server's memory per connection stays bounded. Off (`prepare: false`) for poolers that cannot
 * keep prepared statements across transactions (PgBouncer before 1.21 in transaction mode).
 */
export class PreparingPool implements PostgresPool {
  private readonly counted = new Map<string, Counted>();
  private readonly preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly prepare = true,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    const query = (textOrCursor: string | PostgresCursor<unknown>, values?: readonly unknown[]) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
      const name = this.prepare ? this.nameFor(client, textOrCursor) : undefined;
      // (text, values) when unnamed: pg copies a config object property by property.
      return name === undefined
        ? client.query(textOrCursor, values as unknown[])
        : client.query({ name, text: textOrCursor, values: values as unknown[] });
    };
    return {
      query: query as unknown as PostgresPoolClient['query'],
      release: () => {
        client.release();
      },
    };
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  /** The prepared statement's name for `text` on `client`, or undefined to run it unprepared. */
  private nameFor(client: pg.PoolClient, text: string): string | undefined {
    let entry = this.counted.get(text);
    if (!entry) {
      if (this.counted.size >= MAX_COUNTED) this.counted.clear();
      entry = { count: 0, name: undefined };
      this.counted.set(text, entry);
    }
    entry.count += 1;
    if (entry.count < PREPARE_THRESHOLD) return undefined;
    entry.name ??= `ferrum_${createHash('sha1').update(text).digest('base64url')}`;
    let names = this.preparedOn.get(client);
    if (!names) {
      names = new Set();
      this.preparedOn.set(client, names);
    }
    if (names.has(entry.name)) return entry.name;
    if (names.size >= MAX_PREPARED_PER_CONNECTION) return undefined;
    names.add(entry.name);
    return entry.name;
  }
}
