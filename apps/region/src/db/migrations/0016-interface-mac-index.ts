import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * An index on every interface's MAC. `interfaces_physical_mac` (unique) holds physical ones
 * only, so the machine list's `mac_address=` filter, which matches any interface as MAAS's does
 * (a bond or VLAN shares its parent's MAC), could not use it and read every interface: at
 * 10,000 machines PostgreSQL spent a core on 450 such filters a second.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX interfaces_mac ON interfaces (mac_address)`.execute(db);
}
