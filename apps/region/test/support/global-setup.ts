// Starts one real PostgreSQL (the embedded server Ferrum ships with) for the whole test run
// and migrates a template database; each test file clones it (CREATE DATABASE … TEMPLATE).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '@ferrum/kit';
import { EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of the test server's maintenance database, ending in the db name `postgres`. */
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export const TEMPLATE = 'ferrum_template';

let stopServer: (() => Promise<void>) | undefined;

export async function setup(project: TestProject): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferrum-test-pg-'));
  const server = new EmbeddedPostgres({ dataDir, logger: createLogger({ level: 'warn', pretty: false }) });
  await server.start();
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const template = openDatabase(server.url(TEMPLATE), 2);
  await migrateToLatest(template.db);
  await template.close();
  project.provide('pgAdminUrl', server.url('postgres'));
  project.provide('pgTemplate', TEMPLATE);
  stopServer = async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

export async function teardown(): Promise<void> {
  await stopServer?.();
}
