import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PreparingPool } from './preparing-pool.js';
import type { Database } from './schema.js';

// BIGINT (int8) ids come back as strings by default; counts and ids here fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** `prepare`: prepare often-run statements on the server (see PreparingPool). */
export function openDatabase(url: string, poolSize = 20, prepare = true): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new PreparingPool(pool, prepare) }),
  });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}
