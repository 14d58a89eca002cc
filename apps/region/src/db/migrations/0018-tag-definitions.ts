import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * Automatic tags: the definition each tag's machines were last all evaluated against. A tag
 * whose `definition` differs (created, changed, or a region stopped midway) is evaluated again
 * over every machine, at the next region start if not before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tags ADD COLUMN applied_definition text`.execute(db);
}
