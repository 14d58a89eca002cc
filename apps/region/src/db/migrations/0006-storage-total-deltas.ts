import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * `machines.storage_total` kept by adding what changed instead of summing the disks again:
 * 0005's trigger summed `block_devices` under its statement's snapshot, so two transactions
 * adding disks to one machine at once could leave the sum of only one of them (the second
 * update, after waiting for the first, wrote its stale sum). `storage_total + delta` is
 * evaluated against the row as the first transaction left it, so concurrent writers add up.
 * The total is recomputed once here, in case it drifted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION machines_recount_storage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Transition tables: new_rows for INSERT and UPDATE, old_rows for UPDATE and DELETE.
      -- Machines are updated in id order, so concurrent statements lock them in one order.
      IF TG_OP = 'INSERT' THEN
        UPDATE machines m SET storage_total = m.storage_total + d.delta
          FROM (SELECT machine_id, sum(size) AS delta FROM new_rows GROUP BY machine_id ORDER BY machine_id) d
         WHERE m.id = d.machine_id;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE machines m SET storage_total = m.storage_total - d.delta
          FROM (SELECT machine_id, sum(size) AS delta FROM old_rows GROUP BY machine_id ORDER BY machine_id) d
         WHERE m.id = d.machine_id;
      ELSE
        UPDATE machines m SET storage_total = m.storage_total + d.delta
          FROM (SELECT machine_id, sum(size) AS delta
                  FROM (SELECT machine_id, size FROM new_rows
                        UNION ALL SELECT machine_id, -size FROM old_rows) c
                 GROUP BY machine_id ORDER BY machine_id) d
         WHERE m.id = d.machine_id AND d.delta <> 0;
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    UPDATE machines m SET storage_total = coalesce((SELECT sum(b.size) FROM block_devices b WHERE b.machine_id = m.id), 0)`.execute(
    db,
  );
}
