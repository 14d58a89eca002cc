import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * Machines and the hardware they report: physical interfaces (by MAC), block devices, NUMA
 * nodes, tags and status history. Statuses are MAAS's numbers so the API renders them as is.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE machines (
      id serial PRIMARY KEY,
      system_id text NOT NULL UNIQUE,
      hostname text NOT NULL,
      domain_id integer NOT NULL REFERENCES domains(id),
      description text NOT NULL DEFAULT '',
      architecture text NOT NULL DEFAULT '',
      min_hwe_kernel text NOT NULL DEFAULT '',
      hwe_kernel text,
      cpu_count integer NOT NULL DEFAULT 0 CHECK (cpu_count >= 0),
      cpu_speed integer NOT NULL DEFAULT 0,
      memory integer NOT NULL DEFAULT 0 CHECK (memory >= 0),
      swap_size bigint,
      status smallint NOT NULL,
      previous_status smallint NOT NULL DEFAULT 0,
      status_expires timestamptz,
      error_description text NOT NULL DEFAULT '',
      osystem text NOT NULL DEFAULT '',
      distro_series text NOT NULL DEFAULT '',
      netboot boolean NOT NULL DEFAULT true,
      ephemeral_deploy boolean NOT NULL DEFAULT false,
      power_type text NOT NULL DEFAULT '',
      power_parameters jsonb NOT NULL DEFAULT '{}',
      power_secrets text,
      power_state text NOT NULL DEFAULT 'unknown',
      power_state_updated timestamptz,
      owner_id integer REFERENCES users(id) ON DELETE RESTRICT,
      owner_data jsonb NOT NULL DEFAULT '{}',
      workload_annotations jsonb NOT NULL DEFAULT '{}',
      locked boolean NOT NULL DEFAULT false,
      agent_name text NOT NULL DEFAULT '',
      zone_id integer NOT NULL REFERENCES zones(id),
      pool_id integer NOT NULL REFERENCES resource_pools(id),
      hardware_uuid text UNIQUE,
      hardware_info jsonb NOT NULL DEFAULT '{}',
      numa_nodes jsonb NOT NULL DEFAULT '[]',
      bios_boot_method text,
      enable_ssh boolean NOT NULL DEFAULT false,
      is_dpu boolean NOT NULL DEFAULT false,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      -- One name per domain, checked by the database so concurrent renames cannot collide.
      CONSTRAINT machines_hostname_domain UNIQUE (hostname, domain_id)
    )`.execute(db);
  await sql`CREATE INDEX machines_status ON machines (status)`.execute(db);
  await sql`CREATE INDEX machines_owner ON machines (owner_id)`.execute(db);
  await sql`CREATE INDEX machines_status_expires ON machines (status_expires) WHERE status_expires IS NOT NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE machine_interfaces (
      id serial PRIMARY KEY,
      machine_id integer NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
      name text NOT NULL,
      type text NOT NULL DEFAULT 'physical',
      -- A MAC belongs to one physical interface in the whole region (MAAS's rule).
      mac_address macaddr NOT NULL UNIQUE,
      enabled boolean NOT NULL DEFAULT true,
      is_boot boolean NOT NULL DEFAULT false,
      tags text[] NOT NULL DEFAULT '{}',
      vendor text,
      product text,
      firmware_version text,
      link_speed integer NOT NULL DEFAULT 0,
      interface_speed integer NOT NULL DEFAULT 0,
      link_connected boolean NOT NULL DEFAULT true,
      numa_node integer NOT NULL DEFAULT 0,
      created timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT machine_interfaces_name UNIQUE (machine_id, name)
    )`.execute(db);
  await sql`CREATE INDEX machine_interfaces_machine ON machine_interfaces (machine_id)`.execute(db);

  await sql`
    CREATE TABLE block_devices (
      id serial PRIMARY KEY,
      machine_id integer NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
      name text NOT NULL,
      type text NOT NULL DEFAULT 'physical',
      model text NOT NULL DEFAULT '',
      serial text NOT NULL DEFAULT '',
      id_path text,
      size bigint NOT NULL CHECK (size >= 0),
      block_size integer NOT NULL DEFAULT 512,
      tags text[] NOT NULL DEFAULT '{}',
      firmware_version text,
      numa_node integer NOT NULL DEFAULT 0,
      created timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT block_devices_name UNIQUE (machine_id, name)
    )`.execute(db);
  await sql`CREATE INDEX block_devices_machine ON block_devices (machine_id)`.execute(db);

  await sql`
    CREATE TABLE machine_tags (
      machine_id integer NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
      tag_id integer NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
      PRIMARY KEY (machine_id, tag_id)
    )`.execute(db);
  await sql`CREATE INDEX machine_tags_tag ON machine_tags (tag_id)`.execute(db);

  await sql`
    CREATE TABLE machine_status_history (
      id bigserial PRIMARY KEY,
      machine_id integer NOT NULL REFERENCES machines(id) ON DELETE CASCADE,
      from_status smallint,
      to_status smallint NOT NULL,
      username text,
      reason text NOT NULL DEFAULT '',
      created timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX machine_status_history_machine ON machine_status_history (machine_id, id)`.execute(
    db,
  );
}
