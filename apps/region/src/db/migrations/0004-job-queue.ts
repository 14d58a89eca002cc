import { sql, type Kysely } from 'kysely';
import { getConstructionPlans } from 'pg-boss';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * The job queue's tables (pg-boss), in their own schema `pgboss`. Ferrum installs them here,
 * like any other table, so that test databases cloned from the migrated template have them and
 * the region never runs pg-boss's own installer or migrations at start (it is started with
 * `migrate: false`, which only checks that the schema version matches).
 *
 * The SQL comes from the pg-boss release pinned in package.json (schema version 46 for 12.38.0).
 * pg-boss wraps it in its own BEGIN/COMMIT; Kysely already runs every pending migration in one
 * transaction, and a COMMIT in the middle would end that transaction early, so the wrapper is
 * taken off and the statements run inside Kysely's transaction. Upgrading pg-boss to a release
 * with a newer schema needs a new migration that runs `getMigrationPlans('pgboss', <old version>)`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(unwrapTransaction(getConstructionPlans('pgboss'))).execute(db);
}

function unwrapTransaction(plan: string): string {
  const match = /^\s*BEGIN;\s*([\s\S]*);\s*COMMIT;\s*$/.exec(plan);
  const body = match?.[1];
  if (body === undefined || /^\s*(BEGIN|COMMIT|ROLLBACK);\s*$/im.test(body))
    throw new Error('pg-boss construction SQL is not the single BEGIN … COMMIT block this migration expects');
  return body;
}
