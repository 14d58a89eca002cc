import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * The region processes sharing this database, as `regioncontrollers/` shows them: each
 * process registers at start, refreshes `last_seen` while it runs and removes itself when it
 * stops; one silent for longer than a minute is shown as gone (a crash leaves its row).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE region_controllers (
      id serial PRIMARY KEY,
      system_id text NOT NULL UNIQUE,
      hostname text NOT NULL,
      pid integer NOT NULL,
      version text NOT NULL,
      url text NOT NULL DEFAULT '',
      started timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}
