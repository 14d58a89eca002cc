import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * The metadata API's state.
 *
 * `node_credentials`: the OAuth credentials a machine uses at `/MAAS/metadata/` (one set per
 * machine, issued when it starts commissioning, testing, rescue, erasing or deploying and
 * deleted at release and with the machine). They are not API keys: they are valid at the
 * metadata API only and belong to no user. The token secret is kept twice: a SHA-256 digest
 * (what requests are checked against) and sealed with the region's secret key (what the
 * preseed hands out once per boot). `boot_token_*`: the one-time token of the machine's current
 * boot, which alone lets the preseed (and so the secret) be fetched (see NodeCredentialService).
 *
 * `machine_user_data`: the user's cloud-init user data given to `op=deploy`, served to the
 * deployed machine; cleared when the machine is released.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE node_credentials (
      machine_id integer PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,
      consumer_key text NOT NULL UNIQUE,
      token_key text NOT NULL UNIQUE,
      token_secret_hash text NOT NULL,
      token_secret_sealed text NOT NULL,
      boot_token_hash text,
      boot_token_expires timestamptz,
      preseed_served timestamptz,
      created timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE machine_user_data (
      machine_id integer PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,
      data bytea NOT NULL,
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}
