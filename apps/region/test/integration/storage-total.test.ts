import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let machineId = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const row = await sql<{ id: number }>`
    INSERT INTO machines (system_id, hostname, domain_id, zone_id, pool_id, status)
    SELECT 'st0001', 'storage-one', d.id, z.id, p.id, 4
      FROM domains d, zones z, resource_pools p
     WHERE d.is_default AND z.name = 'default' AND p.name = 'default'
    RETURNING id`.execute(database.db);
  machineId = row.rows[0]?.id ?? 0;
});
afterAll(async () => {
  await database.drop();
});

const total = async () =>
  Number(
    (
      await sql<{ t: string }>`SELECT storage_total AS t FROM machines WHERE id = ${machineId}`.execute(
        database.db,
      )
    ).rows[0]?.t,
  );

describe('machines.storage_total', () => {
  it('follows inserts, updates and deletes of block devices', async () => {
    await sql`INSERT INTO block_devices (machine_id, name, size) VALUES (${machineId}, 'sda', 1000), (${machineId}, 'sdb', 2000)`.execute(
      database.db,
    );
    expect(await total()).toBe(3000);
    await sql`UPDATE block_devices SET size = size * 10 WHERE machine_id = ${machineId} AND name = 'sda'`.execute(
      database.db,
    );
    expect(await total()).toBe(12000);
    await sql`DELETE FROM block_devices WHERE machine_id = ${machineId} AND name = 'sdb'`.execute(
      database.db,
    );
    expect(await total()).toBe(10000);
    await sql`DELETE FROM block_devices WHERE machine_id = ${machineId}`.execute(database.db);
    expect(await total()).toBe(0);
  });

  it('adds up disks inserted by concurrent transactions', async () => {
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        return client;
      }),
    );
    try {
      // Each transaction holds the machine's row (its trigger's update) for a moment before it
      // commits, so the others' triggers wait for it and then must add to what it wrote.
      await Promise.all(
        clients.map(async (c, i) => {
          await c.query('BEGIN');
          await c.query('INSERT INTO block_devices (machine_id, name, size) VALUES ($1, $2, $3)', [
            machineId,
            `race${String(i)}`,
            1000 * (i + 1),
          ]);
          await c.query('SELECT pg_sleep(0.05)');
          await c.query('COMMIT');
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const actual = Number(
      (
        await sql<{
          s: string;
        }>`SELECT coalesce(sum(size), 0) AS s FROM block_devices WHERE machine_id = ${machineId}`.execute(
          database.db,
        )
      ).rows[0]?.s,
    );
    expect(actual).toBe(36000);
    expect(await total()).toBe(actual);
  });
});
