import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparingPool } from '../../src/db/preparing-pool.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/** A one-connection Kysely over PreparingPool, so every statement runs on the same server session. */
function oneConnection(prepare: boolean): Kysely<Record<string, never>> {
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  return new Kysely({ dialect: new PostgresDialect({ pool: new PreparingPool(pool, prepare) }) });
}

const prepared = async (db: Kysely<Record<string, never>>) =>
  (
    await sql<{
      statement: string;
    }>`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'ferrum_%'`.execute(db)
  ).rows.map((r) => r.statement);

describe(PreparingPool, () => {
  it('prepares a statement on the server once it has run five times, and answers the same', async () => {
    const db = oneConnection(true);
    try {
      const answers: number[] = [];
      for (let i = 0; i < 4; i++)
        answers.push((await sql<{ n: number }>`SELECT ${i}::int + 1 AS n`.execute(db)).rows[0]?.n ?? -1);
      expect(await prepared(db)).toEqual([]);
      for (let i = 4; i < 8; i++)
        answers.push((await sql<{ n: number }>`SELECT ${i}::int + 1 AS n`.execute(db)).rows[0]?.n ?? -1);
      expect(answers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await prepared(db)).toEqual(['SELECT $1::int + 1 AS n']);
    } finally {
      await db.destroy();
    }
  });

  it('keeps working inside transactions and after a failing statement', async () => {
    const db = oneConnection(true);
    try {
      for (let i = 0; i < 6; i++) {
        await db.transaction().execute(async (trx) => {
          expect((await sql<{ n: number }>`SELECT ${i}::int AS n`.execute(trx)).rows[0]?.n).toBe(i);
        });
        await expect(sql`SELECT 1 / ${0}::int`.execute(db)).rejects.toThrow(/division by zero/);
      }
      expect((await sql<{ n: number }>`SELECT ${41}::int + 1 AS n`.execute(db)).rows[0]?.n).toBe(42);
    } finally {
      await db.destroy();
    }
  });

  it('never prepares more than 256 statements on one connection', async () => {
    const db = oneConnection(true);
    try {
      for (let text = 0; text < 300; text++)
        for (let run = 0; run < 5; run++) await sql`SELECT ${sql.lit(text)}::int + ${run}::int`.execute(db);
      expect(await prepared(db)).toHaveLength(256);
    } finally {
      await db.destroy();
    }
  });

  it('prepares nothing when turned off', async () => {
    const db = oneConnection(false);
    try {
      for (let i = 0; i < 10; i++) await sql`SELECT ${i}::int`.execute(db);
      expect(await prepared(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
