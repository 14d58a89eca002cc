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
});
