import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

/**
 * The PCI and USB devices commissioning found on a machine (MAAS's NodeDevice). `address` is
 * what identifies the slot: the PCI address (BDF) of a PCIe device, `bus:device` of a USB one.
 * A device keeps its id across re-commissioning while vendor, product and slot stay the same.
 * The NIC or disk a device is, when it is one, is a link that goes (SET NULL) when the
 * interface or block device is deleted: the card is still in the machine.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE node_devices (
      id serial PRIMARY KEY,
      machine_id integer NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
      bus smallint NOT NULL CHECK (bus IN (1, 2)),
      hardware_type smallint NOT NULL DEFAULT 0 CHECK (hardware_type BETWEEN 0 AND 5),
      numa_node integer NOT NULL DEFAULT 0,
      interface_id integer REFERENCES interfaces (id) ON DELETE SET NULL,
      block_device_id integer REFERENCES block_devices (id) ON DELETE SET NULL,
      vendor_id text NOT NULL CHECK (vendor_id ~ '^[0-9a-f]{4}$'),
      product_id text NOT NULL CHECK (product_id ~ '^[0-9a-f]{4}$'),
      vendor_name text NOT NULL DEFAULT '',
      product_name text NOT NULL DEFAULT '',
      commissioning_driver text NOT NULL DEFAULT '',
      bus_number integer NOT NULL,
      device_number integer NOT NULL,
      address text NOT NULL,
      created timestamptz NOT NULL DEFAULT now(),
      updated timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT node_devices_slot UNIQUE (machine_id, bus, address)
    )
  `.execute(db);
  // Deleting an interface or a block device sets its device's link to null: found by index.
  await sql`CREATE INDEX node_devices_interface ON node_devices (interface_id) WHERE interface_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX node_devices_block_device ON node_devices (block_device_id) WHERE block_device_id IS NOT NULL`.execute(
    db,
  );
}
