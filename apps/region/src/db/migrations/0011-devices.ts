import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * One FQDN per node: a hostname is unique in its domain across machines and devices (MAAS keeps
 * every node in one table, so its unique index covers both). Each table's own unique
 * constraint covers it alone; these triggers cover the pair.
 *
 * A trigger takes a transaction advisory lock on the domain, then looks in the other table. Of
 * two transactions writing the same name, the second waits for the first to commit and then
 * sees its row: each statement of a PL/pgSQL function reads a fresh snapshot under READ
 * COMMITTED. The lock is per domain, not per name, so a bulk insert of many nodes holds one
 * lock, not one per row (which would exhaust the lock table); inserts are checked once per
 * statement. A clash is raised as a unique violation on the table's own constraint name, so a
 * service's handling of its duplicate names answers it too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION node_hostname_clash(tbl text, domains integer[]) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      d integer;
    BEGIN
      FOR d IN SELECT DISTINCT x FROM unnest(domains) AS x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock(hashtext('ferrum.node-hostnames'), d);
      END LOOP;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION node_hostname_taken(tbl text, host text) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'hostname "%" is taken in its domain', host
        USING ERRCODE = 'unique_violation', CONSTRAINT = tbl || '_hostname_domain', TABLE = tbl;
    END $$`.execute(db);
  // Inserts: once per statement, over the rows it inserted.
  await sql`
    CREATE FUNCTION node_hostname_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      clash text;
    BEGIN
      PERFORM node_hostname_clash(TG_TABLE_NAME, ARRAY(SELECT domain_id FROM new_rows));
      IF TG_TABLE_NAME = 'machines' THEN
        SELECT n.hostname INTO clash FROM new_rows n
          JOIN devices o ON o.hostname = n.hostname AND o.domain_id = n.domain_id LIMIT 1;
      ELSE
        SELECT n.hostname INTO clash FROM new_rows n
          JOIN machines o ON o.hostname = n.hostname AND o.domain_id = n.domain_id LIMIT 1;
      END IF;
      IF clash IS NOT NULL THEN
        PERFORM node_hostname_taken(TG_TABLE_NAME, clash);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  // Renames and moves to another domain: one row at a time (a column list cannot be given with
  // transition tables).
  await sql`
    CREATE FUNCTION node_hostname_update() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      taken boolean;
    BEGIN
      PERFORM node_hostname_clash(TG_TABLE_NAME, ARRAY[NEW.domain_id]);
      IF TG_TABLE_NAME = 'machines' THEN
        SELECT EXISTS (SELECT 1 FROM devices WHERE hostname = NEW.hostname AND domain_id = NEW.domain_id)
          INTO taken;
      ELSE
        SELECT EXISTS (SELECT 1 FROM machines WHERE hostname = NEW.hostname AND domain_id = NEW.domain_id)
          INTO taken;
      END IF;
      IF taken THEN
        PERFORM node_hostname_taken(TG_TABLE_NAME, NEW.hostname);
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  for (const table of ['machines', 'devices']) {
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_hostname_insert`)}
        AFTER INSERT ON ${sql.table(table)} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION node_hostname_insert()`.execute(db);
    await sql`
      CREATE TRIGGER ${sql.id(`${table}_hostname_update`)}
        BEFORE UPDATE OF hostname, domain_id ON ${sql.table(table)}
        FOR EACH ROW
        WHEN (OLD.hostname IS DISTINCT FROM NEW.hostname OR OLD.domain_id IS DISTINCT FROM NEW.domain_id)
        EXECUTE FUNCTION node_hostname_update()`.execute(db);
  }
}
