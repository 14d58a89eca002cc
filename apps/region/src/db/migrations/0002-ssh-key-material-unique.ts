import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * One copy of a key per user, whatever its comment. 0001's constraint covered the whole
 * line (comment included) and the service checked for copies before inserting, so the same
 * key sent twice at once, or with two comments, could be stored twice.
 *
 * Keys are stored normalised ("type blob[ comment]", single spaces), so the first two
 * space-separated fields are the key type and data. Existing copies are removed first,
 * keeping the oldest of each.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM ssh_keys newer
    USING ssh_keys older
    WHERE newer.user_id = older.user_id
      AND split_part(newer.key, ' ', 1) = split_part(older.key, ' ', 1)
      AND split_part(newer.key, ' ', 2) = split_part(older.key, ' ', 2)
      AND newer.id > older.id`.execute(db);
  await sql`CREATE UNIQUE INDEX ssh_keys_user_material ON ssh_keys (user_id, split_part(key, ' ', 1), split_part(key, ' ', 2))`.execute(
    db,
  );
  // 0001's (user_id, key) constraint is redundant now: the new index is stricter.
  await sql`ALTER TABLE ssh_keys DROP CONSTRAINT ssh_keys_user_key`.execute(db);
}
