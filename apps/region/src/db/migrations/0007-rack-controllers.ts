import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * Rack controllers as they register over the RPC: identity, what they reported, and their own
 * credential, sealed with the region's secret key (the region must read it back: a rack proves
 * it with an HMAC the region computes too). The shared secret racks register with lives in
 * `region_state` under `rack_secret`, sealed the same way, made at first need.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE rack_controllers (
      id serial PRIMARY KEY,
      system_id text NOT NULL UNIQUE,
      hostname text NOT NULL,
      version text NOT NULL DEFAULT '',
      interfaces jsonb NOT NULL DEFAULT '[]',
      capabilities text[] NOT NULL DEFAULT '{}',
      credential_sealed text NOT NULL,
      last_seen timestamptz,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}
