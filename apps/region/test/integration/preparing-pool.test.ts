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

  it('survives a migration that changes what a prepared statement returns', async () => {
    const db = oneConnection(true);
    try {
      await sql`CREATE TABLE prepared_probe (a int)`.execute(db);
      await sql`INSERT INTO prepared_probe VALUES (1)`.execute(db);
      const read = () => sql<Record<string, number>>`SELECT * FROM prepared_probe`.execute(db);
      for (let i = 0; i < 6; i++) await read();
      expect(await prepared(db)).toContain('SELECT * FROM prepared_probe');
      // As another region process migrating the schema would.
      await sql`ALTER TABLE prepared_probe ADD COLUMN b int DEFAULT 2`.execute(db);
      // Outside a transaction: planned again and answered at once.
      expect((await read()).rows).toEqual([{ a: 1, b: 2 }]);
      await sql`ALTER TABLE prepared_probe ADD COLUMN c int DEFAULT 3`.execute(db);
      expect((await read()).rows).toEqual([{ a: 1, b: 2, c: 3 }]);
      // Inside one: that transaction has failed, the next one works.
      await sql`ALTER TABLE prepared_probe ADD COLUMN d int DEFAULT 4`.execute(db);
      const stale = oneConnection(true);
      try {
        for (let i = 0; i < 6; i++) await sql`SELECT * FROM prepared_probe`.execute(stale);
        await sql`ALTER TABLE prepared_probe ADD COLUMN e int DEFAULT 5`.execute(db);
        await expect(
          stale.transaction().execute((trx) => sql`SELECT * FROM prepared_probe`.execute(trx)),
        ).rejects.toThrow(/cached plan must not change result type/);
        const again = await stale
          .transaction()
          .execute((trx) => sql<Record<string, number>>`SELECT * FROM prepared_probe`.execute(trx));
        expect(again.rows).toEqual([{ a: 1, b: 2, c: 3, d: 4, e: 5 }]);
      } finally {
        await stale.destroy();
      }
    } finally {
      await sql`DROP TABLE IF EXISTS prepared_probe`.execute(db);
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
