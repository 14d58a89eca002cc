import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * `machines.storage_total`: the sum of a machine's block device sizes, kept by the database
 * itself (statement triggers on block_devices, whatever writes them), so allocation can order
 * candidates smallest first by cores, memory and disk from one index instead of summing every
 * machine's disks on every call (20 ms at 10,000 machines, against 0.1 ms).
 *
 * `machines_allocatable` is that order, over only the machines allocation may take (Ready,
 * unowned, unlocked): an allocation reads its first matches and stops.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE machines ADD COLUMN storage_total bigint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    CREATE FUNCTION machines_recount_storage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Transition tables: new_rows for INSERT and UPDATE, old_rows for UPDATE and DELETE.
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE machines m
           SET storage_total = coalesce((SELECT sum(b.size) FROM block_devices b WHERE b.machine_id = m.id), 0)
         WHERE m.id IN (SELECT DISTINCT machine_id FROM new_rows);
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE machines m
           SET storage_total = coalesce((SELECT sum(b.size) FROM block_devices b WHERE b.machine_id = m.id), 0)
         WHERE m.id IN (SELECT DISTINCT machine_id FROM old_rows);
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER block_devices_storage_insert AFTER INSERT ON block_devices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION machines_recount_storage()`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER block_devices_storage_update AFTER UPDATE ON block_devices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION machines_recount_storage()`.execute(db);
  await sql`
    CREATE TRIGGER block_devices_storage_delete AFTER DELETE ON block_devices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION machines_recount_storage()`.execute(
    db,
  );
  await sql`
    UPDATE machines m SET storage_total = s.total
      FROM (SELECT machine_id, sum(size) AS total FROM block_devices GROUP BY machine_id) s
     WHERE s.machine_id = m.id`.execute(db);
  // status 4 is Ready (MAAS's NODE_STATUS.READY).
  await sql`
    CREATE INDEX machines_allocatable ON machines (cpu_count, memory, storage_total, id)
     WHERE status = 4 AND owner_id IS NULL AND NOT locked`.execute(db);
}
