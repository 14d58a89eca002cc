import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * Scripts as data and what they produced (MAAS's Script, VersionedTextFile, ScriptSet and
 * ScriptResult). Numbers are MAAS's (script_type 0 commissioning, 2 testing, 3 release,
 * 4 deployment; result_type 0 commissioning, 1 installation, 2 testing, 3 release; statuses
 * 0–11) so the API renders them as is. The built-in scripts are seeded by the region at start
 * (ScriptService.ensureBuiltins), not here, so that a release can improve their text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE scripts (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      title text NOT NULL DEFAULT '',
      description text NOT NULL DEFAULT '',
      tags text[] NOT NULL DEFAULT '{}',
      script_type smallint NOT NULL CHECK (script_type IN (0, 2, 3, 4)),
      hardware_type smallint NOT NULL DEFAULT 0 CHECK (hardware_type BETWEEN 0 AND 5),
      parallel smallint NOT NULL DEFAULT 0 CHECK (parallel BETWEEN 0 AND 2),
      timeout_seconds integer NOT NULL DEFAULT 0 CHECK (timeout_seconds >= 0),
      destructive boolean NOT NULL DEFAULT false,
      may_reboot boolean NOT NULL DEFAULT false,
      recommission boolean NOT NULL DEFAULT false,
      packages jsonb NOT NULL DEFAULT '{}',
      for_hardware text[] NOT NULL DEFAULT '{}',
      parameters jsonb NOT NULL DEFAULT '{}',
      results jsonb NOT NULL DEFAULT '{}',
      apply_configured_networking boolean NOT NULL DEFAULT false,
      -- Built in (MAAS's "default"): seeded by the region, cannot be deleted or reverted.
      is_default boolean NOT NULL DEFAULT false,
      -- The current text; set in the transaction that creates the script.
      current_version_id integer,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE script_versions (
      id serial PRIMARY KEY,
      script_id integer NOT NULL REFERENCES scripts(id) ON DELETE CASCADE,
      data text NOT NULL,
      comment text NOT NULL DEFAULT '',
      created timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX script_versions_script ON script_versions (script_id, id)`.execute(db);
  await sql`
    ALTER TABLE scripts ADD CONSTRAINT scripts_current_version
      FOREIGN KEY (current_version_id) REFERENCES script_versions(id) DEFERRABLE INITIALLY DEFERRED`.execute(
    db,
  );

  await sql`
    CREATE TABLE script_sets (
      id serial PRIMARY KEY,
      machine_id integer NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
      result_type smallint NOT NULL CHECK (result_type BETWEEN 0 AND 3),
      -- The names and tags the run was asked for (empty: the defaults).
      requested_scripts text[] NOT NULL DEFAULT '{}',
      -- What op=commission was asked to leave alone (the hardware parser reads these).
      skip_bmc_config boolean NOT NULL DEFAULT false,
      skip_networking boolean NOT NULL DEFAULT false,
      skip_storage boolean NOT NULL DEFAULT false,
      created timestamptz NOT NULL DEFAULT now(),
      last_ping timestamptz
    )`.execute(db);
  // A machine's current set of a type is its newest.
  await sql`CREATE INDEX script_sets_current ON script_sets (machine_id, result_type, id DESC)`.execute(db);

  await sql`
    CREATE TABLE script_results (
      id serial PRIMARY KEY,
      script_set_id integer NOT NULL REFERENCES script_sets(id) ON DELETE CASCADE,
      -- Null for a result no stored script stands for (e.g. the curtin log of an installation).
      script_id integer REFERENCES scripts(id) ON DELETE SET NULL,
      script_version_id integer REFERENCES script_versions(id) ON DELETE SET NULL,
      script_name text NOT NULL,
      status smallint NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 11),
      exit_status integer,
      started timestamptz,
      ended timestamptz,
      -- Seconds, as the runner reported them; otherwise ended - started.
      runtime_seconds double precision,
      output bytea NOT NULL DEFAULT '',
      stdout bytea NOT NULL DEFAULT '',
      stderr bytea NOT NULL DEFAULT '',
      result bytea NOT NULL DEFAULT '',
      parameters jsonb NOT NULL DEFAULT '{}',
      suppressed boolean NOT NULL DEFAULT false,
      physical_blockdevice_id integer REFERENCES block_devices(id) ON DELETE SET NULL,
      interface_id integer REFERENCES interfaces(id) ON DELETE SET NULL,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX script_results_set ON script_results (script_set_id, script_name)`.execute(db);
  await sql`CREATE INDEX script_results_script ON script_results (script_id)`.execute(db);
}
