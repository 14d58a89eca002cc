import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allMigrationNames,
  currentSchemaVersion,
  latestSchemaVersion,
  migrateToLatest,
} from '../../src/db/migrator.js';
import { openDatabase } from '../../src/db/database.js';
import { createEmptyDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createEmptyDatabase();
});
afterAll(async () => {
  await database.drop();
});

describe('migrateToLatest', () => {
  it('brings an empty database to the latest schema once, even when several regions start together', async () => {
    const handles = Array.from({ length: 4 }, () => openDatabase(database.url, 2));
    try {
      const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db)));
      // Every migration ran exactly once, in order, across the four concurrent runs.
      expect(applied.flat()).toEqual(allMigrationNames);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
    expect(await currentSchemaVersion(database.db)).toBe(latestSchemaVersion);
  });

  it('is idempotent: a second run applies nothing and keeps the data', async () => {
    await sql`INSERT INTO zones (name) VALUES ('kept')`.execute(database.db);
    expect(await migrateToLatest(database.db)).toEqual([]);
    const zones = await database.db.selectFrom('zones').select('name').orderBy('id').execute();
    expect(zones.map((z) => z.name)).toEqual(['default', 'kept']);
  });

  it('creates the default zone, pool and domain', async () => {
    expect(await database.db.selectFrom('resource_pools').select('name').execute()).toEqual([
      { name: 'default' },
    ]);
    expect(await database.db.selectFrom('domains').select(['name', 'is_default']).execute()).toEqual([
      { name: 'maas', is_default: true },
    ]);
  });

  it("keeps scripts' outputs out of the result rows (0019: toast_tuple_target 128)", async () => {
    const { rows } = await sql<{ reloptions: string[] | null }>`
      SELECT reloptions FROM pg_class WHERE relname = 'script_results'`.execute(database.db);
    expect(rows[0]?.reloptions).toContain('toast_tuple_target=128');
    // A result with a few kB of output.
    const set = await sql<{ id: number }>`
      INSERT INTO machines (system_id, hostname, domain_id, zone_id, pool_id, status)
      SELECT 'toast1', 'toast-one', d.id, z.id, p.id, 0 FROM domains d, zones z, resource_pools p
       WHERE d.name = 'maas' AND z.name = 'default' AND p.name = 'default'
      RETURNING id`.execute(database.db);
    const machineId = set.rows[0]?.id ?? 0;
    const scriptSet = await sql<{ id: number }>`
      INSERT INTO script_sets (machine_id, result_type) VALUES (${machineId}, 0) RETURNING id`.execute(
      database.db,
    );
    const xml = Array.from(
      { length: 200 },
      (_, i) => `<node id="n${String(i)}" class="x${String(i * 7919)}"/>`,
    ).join('');
    await sql`
      INSERT INTO script_results (script_set_id, script_name, stdout, output)
      VALUES (${scriptSet.rows[0]?.id ?? 0}, 'maas-lshw', ${Buffer.from(xml)}, ${Buffer.from(xml)})`.execute(
      database.db,
    );
    // The outputs compress to a few hundred bytes, which PostgreSQL would keep in the row by
    // default: with the target they are in the TOAST table.
    const toast = await sql<{ bytes: number }>`
      SELECT pg_relation_size(reltoastrelid) AS bytes FROM pg_class WHERE relname = 'script_results'`.execute(
      database.db,
    );
    expect(Number(toast.rows[0]?.bytes)).toBeGreaterThan(0);
  });
});
