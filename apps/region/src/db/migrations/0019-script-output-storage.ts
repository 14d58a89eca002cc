import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * Scripts' outputs out of the result rows: PostgreSQL keeps a value in its row until the row
 * passes 2 kB, so outputs of a few kB (lshw's XML, LLDP, the module aliases) stayed in
 * `script_results` and every read of the results' statuses — each machine's JSON, the whole
 * machine list — went through them. With the row target at its minimum, outputs are
 * compressed and moved to the TOAST table once a row passes 128 bytes; the statuses stay
 * compact. Rows written before are moved as they are next updated.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE script_results SET (toast_tuple_target = 128)`.execute(db);
}
