import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * The network model and every address in it (MAAS's fabrics, VLANs, spaces, subnets, IP
 * ranges, static routes, reserved IPs, IP addresses), devices, and interfaces of machines and
 * devices (renamed from machine_interfaces: a device's NICs are interfaces too).
 *
 * Rules the database enforces, so concurrent requests in several region processes cannot break
 * them: one VLAN per (fabric, vid); one subnet per CIDR; one physical interface per MAC; one
 * holder of an assigned address (AUTO, STICKY, USER_RESERVED) per IP. No-overlap of IP ranges
 * and the choice of a free address are the services' work, under a lock on the subnet's row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE spaces (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      description text NOT NULL DEFAULT '',
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE fabrics (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      description text NOT NULL DEFAULT '',
      class_type text,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE vlans (
      id serial PRIMARY KEY,
      fabric_id integer NOT NULL REFERENCES fabrics(id) ON DELETE CASCADE,
      -- 0 is the fabric's untagged (default) VLAN.
      vid integer NOT NULL CHECK (vid BETWEEN 0 AND 4094),
      name text,
      description text NOT NULL DEFAULT '',
      mtu integer NOT NULL DEFAULT 1500 CHECK (mtu BETWEEN 552 AND 65535),
      dhcp_on boolean NOT NULL DEFAULT false,
      -- The address of a DHCP server on this VLAN that Ferrum does not manage, when one is seen.
      external_dhcp inet,
      primary_rack_id integer REFERENCES rack_controllers(id) ON DELETE SET NULL,
      secondary_rack_id integer REFERENCES rack_controllers(id) ON DELETE SET NULL,
      relay_vlan_id integer REFERENCES vlans(id) ON DELETE SET NULL,
      space_id integer REFERENCES spaces(id) ON DELETE SET NULL,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT vlans_fabric_vid UNIQUE (fabric_id, vid)
    )`.execute(db);
  // As MAAS: VLAN ids start at 5001 so an id is never mistaken for a vid; the default fabric
  // is fabric-0 (id 0) with its untagged VLAN, there from the first start.
  await sql`ALTER SEQUENCE vlans_id_seq RESTART WITH 5001`.execute(db);
  await sql`INSERT INTO fabrics (id, name) VALUES (0, 'fabric-0')`.execute(db);
  await sql`INSERT INTO vlans (fabric_id, vid, name) VALUES (0, 0, 'untagged')`.execute(db);
  await sql`
    CREATE TABLE subnets (
      id serial PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      vlan_id integer NOT NULL REFERENCES vlans(id) ON DELETE RESTRICT,
      cidr cidr NOT NULL,
      gateway_ip inet,
      dns_servers inet[] NOT NULL DEFAULT '{}',
      -- MAAS's RDNS_MODE: 0 disabled, 1 enabled, 2 RFC 2317.
      rdns_mode smallint NOT NULL DEFAULT 2 CHECK (rdns_mode BETWEEN 0 AND 2),
      allow_dns boolean NOT NULL DEFAULT true,
      allow_proxy boolean NOT NULL DEFAULT true,
      managed boolean NOT NULL DEFAULT true,
      active_discovery boolean NOT NULL DEFAULT false,
      disabled_boot_architectures text[] NOT NULL DEFAULT '{}',
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT subnets_cidr UNIQUE (cidr)
    )`.execute(db);
  await sql`CREATE INDEX subnets_vlan ON subnets (vlan_id)`.execute(db);
  await sql`
    CREATE TABLE ip_ranges (
      id serial PRIMARY KEY,
      subnet_id integer NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
      type text NOT NULL CHECK (type IN ('dynamic', 'reserved')),
      start_ip inet NOT NULL,
      end_ip inet NOT NULL,
      comment text NOT NULL DEFAULT '',
      user_id integer REFERENCES users(id) ON DELETE SET NULL,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CHECK (family(start_ip) = family(end_ip) AND start_ip <= end_ip)
    )`.execute(db);
  await sql`CREATE INDEX ip_ranges_subnet ON ip_ranges (subnet_id)`.execute(db);
  await sql`
    CREATE TABLE static_routes (
      id serial PRIMARY KEY,
      source_id integer NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
      destination_id integer NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
      gateway_ip inet NOT NULL,
      metric integer NOT NULL DEFAULT 0 CHECK (metric >= 0),
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT static_routes_unique UNIQUE (source_id, destination_id, gateway_ip)
    )`.execute(db);
  await sql`
    CREATE TABLE reserved_ips (
      id serial PRIMARY KEY,
      subnet_id integer NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
      ip inet NOT NULL,
      mac_address macaddr,
      comment text NOT NULL DEFAULT '',
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT reserved_ips_ip UNIQUE (ip),
      CONSTRAINT reserved_ips_subnet_mac UNIQUE (subnet_id, mac_address)
    )`.execute(db);

  // Things that hold addresses but are not deployed (Juju's containers, switches, printers).
  await sql`
    CREATE TABLE devices (
      id serial PRIMARY KEY,
      system_id text NOT NULL UNIQUE,
      hostname text NOT NULL,
      domain_id integer NOT NULL REFERENCES domains(id),
      description text NOT NULL DEFAULT '',
      owner_id integer REFERENCES users(id) ON DELETE SET NULL,
      owner_data jsonb NOT NULL DEFAULT '{}',
      workload_annotations jsonb NOT NULL DEFAULT '{}',
      -- A device whose parent is a machine goes with it: deleted when the machine is released
      -- or deleted (a container's addresses are class 2, collected at release).
      parent_machine_id integer REFERENCES machines(id) ON DELETE CASCADE,
      zone_id integer NOT NULL REFERENCES zones(id),
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT devices_hostname_domain UNIQUE (hostname, domain_id)
    )`.execute(db);
  await sql`CREATE INDEX devices_parent ON devices (parent_machine_id) WHERE parent_machine_id IS NOT NULL`.execute(
    db,
  );
  await sql`
    CREATE TABLE device_tags (
      device_id integer NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      tag_id integer NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
      PRIMARY KEY (device_id, tag_id)
    )`.execute(db);

  await sql`ALTER TABLE machine_interfaces RENAME TO interfaces`.execute(db);
  await sql`ALTER TABLE interfaces RENAME CONSTRAINT machine_interfaces_name TO interfaces_machine_name`.execute(
    db,
  );
  await sql`ALTER INDEX machine_interfaces_machine RENAME TO interfaces_machine`.execute(db);
  await sql`ALTER TABLE interfaces DROP CONSTRAINT machine_interfaces_mac_address_key`.execute(db);
  await sql`
    ALTER TABLE interfaces
      ALTER COLUMN machine_id DROP NOT NULL,
      ADD COLUMN device_id integer REFERENCES devices(id) ON DELETE CASCADE,
      ADD COLUMN vlan_id integer REFERENCES vlans(id) ON DELETE SET NULL,
      -- MAAS's interface params: mtu, accept_ra, bond_* and bridge_* settings.
      ADD COLUMN params jsonb NOT NULL DEFAULT '{}',
      -- Created for the current allocation (a VLAN or bridge its owner added): removed at release.
      ADD COLUMN for_allocation boolean NOT NULL DEFAULT false,
      ADD COLUMN updated timestamptz NOT NULL DEFAULT now(),
      ADD CONSTRAINT interfaces_one_node CHECK (num_nonnulls(machine_id, device_id) = 1),
      ADD CONSTRAINT interfaces_device_name UNIQUE (device_id, name),
      ADD CONSTRAINT interfaces_type CHECK (type IN ('physical', 'bond', 'bridge', 'vlan', 'alias', 'unknown'))`.execute(
    db,
  );
  // A MAC belongs to one physical interface in the whole region (MAAS's rule); a bond, bridge
  // or VLAN interface shares its parent's.
  await sql`CREATE UNIQUE INDEX interfaces_physical_mac ON interfaces (mac_address) WHERE type = 'physical'`.execute(
    db,
  );
  await sql`CREATE INDEX interfaces_device ON interfaces (device_id) WHERE device_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX interfaces_vlan ON interfaces (vlan_id)`.execute(db);
  await sql`
    CREATE TABLE interface_parents (
      child_id integer NOT NULL REFERENCES interfaces(id) ON DELETE CASCADE,
      parent_id integer NOT NULL REFERENCES interfaces(id) ON DELETE CASCADE,
      PRIMARY KEY (child_id, parent_id),
      CHECK (child_id <> parent_id)
    )`.execute(db);
  await sql`CREATE INDEX interface_parents_parent ON interface_parents (parent_id)`.execute(db);

  // Every address: an interface's link (AUTO, STICKY, DHCP; LINK_UP is STICKY without an ip),
  // a user's reservation (USER_RESERVED, optionally for a MAC and hostname), or one observed
  // (DISCOVERED, DHCP leases). MAAS's alloc_type numbers.
  await sql`
    CREATE TABLE ip_addresses (
      id bigserial PRIMARY KEY,
      ip inet,
      subnet_id integer REFERENCES subnets(id) ON DELETE CASCADE,
      alloc_type smallint NOT NULL CHECK (alloc_type IN (0, 1, 4, 5, 6)),
      interface_id integer REFERENCES interfaces(id) ON DELETE SET NULL,
      owner_id integer REFERENCES users(id) ON DELETE SET NULL,
      -- The owner's name, kept when the user is deleted so the overview can name the leak.
      owner_username text,
      mac_address macaddr,
      hostname text,
      -- Class 2: claimed for the current allocation, collected at release.
      for_allocation boolean NOT NULL DEFAULT false,
      lease_time integer,
      last_seen timestamptz,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CHECK (ip IS NULL OR subnet_id IS NOT NULL OR alloc_type = 6)
    )`.execute(db);
  await sql`
    CREATE UNIQUE INDEX ip_addresses_assigned ON ip_addresses (ip)
      WHERE ip IS NOT NULL AND alloc_type IN (0, 1, 4)`.execute(db);
  await sql`CREATE INDEX ip_addresses_subnet ON ip_addresses (subnet_id, ip)`.execute(db);
  await sql`CREATE INDEX ip_addresses_interface ON ip_addresses (interface_id) WHERE interface_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX ip_addresses_owner ON ip_addresses (owner_id) WHERE owner_id IS NOT NULL`.execute(
    db,
  );

  for (const table of ['machines', 'devices']) {
    await sql`
      ALTER TABLE ${sql.table(table)}
        ADD COLUMN gateway_link_ipv4_id bigint REFERENCES ip_addresses(id) ON DELETE SET NULL,
        ADD COLUMN gateway_link_ipv6_id bigint REFERENCES ip_addresses(id) ON DELETE SET NULL`.execute(db);
  }

  // The change stream (outbox): one row per change that affects DHCP host entries or DNS
  // records, written in the transaction that makes the change. Consumers read in order of
  // (tx, id) only the rows of transactions older than every transaction still running
  // (tx < pg_snapshot_xmin(pg_current_snapshot())), so a row committed late can never be
  // skipped; the NOTIFY at commit only wakes them.
  await sql`
    CREATE TABLE network_changes (
      id bigserial PRIMARY KEY,
      tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
      kind text NOT NULL,
      subnet_id integer,
      vlan_id integer,
      payload jsonb NOT NULL,
      created timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX network_changes_tx ON network_changes (tx, id)`.execute(db);
  // How far each consumer (e.g. one rack's DHCP) has applied the stream; an API call that must
  // see its change applied waits for the consumer's position to pass the change's tx.
  await sql`
    CREATE TABLE network_change_positions (
      consumer text PRIMARY KEY,
      tx xid8 NOT NULL,
      updated timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}
