import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * `machines.power_state_polled`: when the power poller last claimed the machine. Separate from
 * `power_state_updated` (when the state was last learnt, by a power action or a query) so that
 * a poll that fails does not pass for a known state, and so that several region processes each
 * claim different machines (`FOR UPDATE SKIP LOCKED` on the due ones, this column set at once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE machines ADD COLUMN power_state_polled timestamptz`.execute(db);
}
