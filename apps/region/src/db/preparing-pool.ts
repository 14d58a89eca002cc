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
  private readonly wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  /** Per connection, the statements found stale there: run unprepared on it from then on. */
  private readonly unpreparable = new WeakMap<pg.PoolClient, Set<string>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly prepare = true,
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    // One wrapper per pg client, so Kysely's per-client connection cache finds it again.
    let wrapper = this.wrappers.get(client);
    if (!wrapper) {
      wrapper = this.wrap(client);
      this.wrappers.set(client, wrapper);
    }
    return wrapper;
  }

  private wrap(client: pg.PoolClient): PostgresPoolClient {
    let inTransaction = false;
    const run = (text: string, values: unknown[]) => {
      const name = this.prepare ? this.nameFor(client, text) : undefined;
      // (text, values) when unnamed: pg copies a config object property by property.
      return name === undefined ? client.query(text, values) : client.query({ name, text, values });
    };
    const query = async (textOrCursor: string | PostgresCursor<unknown>, values: readonly unknown[] = []) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor as never);
      const text = textOrCursor;
      const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase();
      if (verb === 'begin' || verb === 'start') inTransaction = true;
      else if (verb === 'commit' || verb === 'rollback' || verb === 'end') inTransaction = false;
      try {
        return await run(text, [...values]);
      } catch (error) {
        if (!this.forgetStale(client, text, error)) throw error;
        // The statement's cached plan or its server-side copy is gone (a migration changed a
        // table it reads; a failed bind closed it): it is planned again from now on. Outside a
        // transaction it is run again at once; inside one, the transaction has failed already.
        if (inTransaction) throw error;
        return run(text, [...values]);
      }
    };
    return {
      query: query as unknown as PostgresPoolClient['query'],
      // `destroy`: Kysely's request to drop a connection whose state is unknown (a failed ROLLBACK).
      release: (destroy?: boolean) => {
        client.release(destroy === true ? true : undefined);
      },
    };
  }

  /**
   * After `error` on `text`: when it says the prepared statement is stale (0A000, "cached plan
   * must not change result type") or missing on the server (26000), stops preparing `text` on
   * this connection (its server-side name cannot simply be reused), and answers true.
   */
  private forgetStale(client: pg.PoolClient, text: string, error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    if (code !== '0A000' && code !== '26000') return false;
    const name = this.counted.get(text)?.name;
    if (name === undefined || this.unpreparable.get(client)?.has(name) === true) return false;
    let poisoned = this.unpreparable.get(client);
    if (!poisoned) {
      poisoned = new Set();
      this.unpreparable.set(client, poisoned);
    }
    poisoned.add(name);
    return true;
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
    if (this.unpreparable.get(client)?.has(entry.name) === true) return undefined;
    if (names.has(entry.name)) return entry.name;
    if (names.size >= MAX_PREPARED_PER_CONNECTION) return undefined;
    names.add(entry.name);
    return entry.name;
  }
}
