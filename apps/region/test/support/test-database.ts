import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';

export interface TestDatabase extends DatabaseHandle {
  readonly url: string;
  readonly name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  return inject('pgAdminUrl').replace(/\/postgres\?/, `/${database}?`);
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

async function createDatabase(prefix: string, template: string | undefined): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = urlFor(name);
  const handle = openDatabase(url, 10);
  return {
    ...handle,
    url,
    name,
    drop: async () => {
      await handle.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh database cloned from the migrated template: one per test file. */
export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase('t', inject('pgTemplate'));
}

/** An empty database (no migrations), for testing migrations themselves. */
export function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase('e', undefined);
}
