import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * What the region knows of a rack's connection and services, and the license keys racks
 * validate. A rack is connected while `connected_since` is set and a region refreshes
 * `last_seen` (every few seconds, by the region process holding its connection, named in
 * `connected_region`); one whose `last_seen` is older than the dead-peer limit is marked
 * disconnected by any region, so a crashed region process cannot leave racks shown alive.
 * `offers` is what the rack answered when it connected (OS list, architectures, images, power
 * types), so a region process that does not hold the rack's connection can still count it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE rack_controllers
      ADD COLUMN services jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN services_updated timestamptz,
      ADD COLUMN connected_since timestamptz,
      ADD COLUMN connected_address text,
      ADD COLUMN connected_region text,
      ADD COLUMN offers jsonb`.execute(db);
  // A rack is found again by its name when it registers anew (lost data dir), so names are unique.
  // 0007 let a rack that registered twice leave two rows of one name: the newest is kept (an
  // older one's rack is refused at its next handshake and registers again under its name).
  await sql`
    DELETE FROM rack_controllers older USING rack_controllers newer
    WHERE older.hostname = newer.hostname AND older.id < newer.id`.execute(db);
  await sql`CREATE UNIQUE INDEX rack_controllers_hostname ON rack_controllers (hostname)`.execute(db);
  await sql`
    CREATE TABLE license_keys (
      id serial PRIMARY KEY,
      osystem text NOT NULL,
      distro_series text NOT NULL,
      license_key text NOT NULL,
      UNIQUE (osystem, distro_series)
    )`.execute(db);
}
