import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * What commissioning's resources document tells of a NIC that the interfaces table could not
 * hold: the number of SR-IOV virtual functions it supports (MAAS's sriov_max_vf). NUMA nodes'
 * huge pages go into `machines.numa_nodes` (jsonb) and need no column.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE interfaces ADD COLUMN sriov_max_vf integer NOT NULL DEFAULT 0`.execute(db);
}
