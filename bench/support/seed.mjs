// Bulk seeding of machines straight into the region's database (schema of migration
// 0003-machines): one INSERT … SELECT FROM generate_series per table, so 10,000 machines with
// 40,000 interfaces and 40,000 block devices take about a second. Statuses are MAAS numbers.

export const STATUS = { NEW: 0, READY: 4, DEPLOYED: 6, BROKEN: 8, ALLOCATED: 10, RELEASING: 12 };

export const BENCH_TAGS = ['bench-rack-a', 'bench-rack-b', 'bench-ssd', 'bench-gpu', 'bench-virtual'];

/** Machine `g`'s (1-based) system_id, hostname and the MAC of its interface `i` (0–3). */
export const systemIdOf = (g) => `bm${String(g).padStart(6, '0')}`;
export const hostnameOf = (g) => `bench-${String(g).padStart(6, '0')}`;
export function macOf(g, i) {
  const hex = ((g - 1) * 4 + i).toString(16).padStart(8, '0');
  return `52:54:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/**
 * Seeds `count` machines, each with 4 physical interfaces (unique MACs, eth0 the boot one), 4
 * block devices (an SSD root and three disks), tags, and `events` events (the list shows the
 * latest as status_message).
 *
 * mode 'list': a realistic mix of statuses — 70% Ready, 20% Deployed (owned by `ownerId`), 5%
 *   New, 5% Broken.
 * mode 'allocate': every machine Ready, unowned, manual power (release completes at once), with
 *   varied cpu_count (2–64) and memory (4–128 GiB) so constraints pick different subsets.
 *
 * Tags: every machine is in bench-rack-a or bench-rack-b; bench-ssd on 50%, bench-gpu on 20%,
 * bench-virtual on 10%.
 */
export async function seedMachines(client, { count, mode, ownerId, events = 3 }) {
  if (count >= 1_000_000) throw new Error('at most 999,999 machines (system_id/hostname width)');
  const t0 = performance.now();
  const ids = await client.query(`
    SELECT (SELECT id FROM domains WHERE is_default) AS domain_id,
           (SELECT id FROM zones WHERE name = 'default') AS zone_id,
           (SELECT id FROM resource_pools WHERE name = 'default') AS pool_id`);
  const { domain_id: domainId, zone_id: zoneId, pool_id: poolId } = ids.rows[0];

  await client.query('BEGIN');
  const status =
    mode === 'allocate'
      ? `${STATUS.READY}`
      : `CASE WHEN g % 20 < 14 THEN ${STATUS.READY} WHEN g % 20 < 18 THEN ${STATUS.DEPLOYED}
              WHEN g % 20 = 18 THEN ${STATUS.NEW} ELSE ${STATUS.BROKEN} END`;
  const deployed = mode === 'allocate' ? 'false' : `(g % 20 BETWEEN 14 AND 17)`;
  await client.query(
    `
    INSERT INTO machines (system_id, hostname, domain_id, description, architecture, cpu_count, cpu_speed,
      memory, status, previous_status, osystem, distro_series, power_type, power_parameters, power_state,
      power_state_updated, owner_id, zone_id, pool_id, hardware_uuid, hardware_info, numa_nodes,
      bios_boot_method, created, updated)
    SELECT 'bm' || lpad(g::text, 6, '0'), 'bench-' || lpad(g::text, 6, '0'), $1, 'bench machine',
      'amd64/generic',
      (ARRAY[2, 4, 8, 16, 32, 64])[1 + g % 6],
      2400,
      (ARRAY[4096, 8192, 16384, 32768, 65536, 131072])[1 + (g * 7 / 6) % 6],
      ${status}, 0,
      CASE WHEN ${deployed} THEN 'ubuntu' ELSE '' END,
      CASE WHEN ${deployed} THEN 'jammy' ELSE '' END,
      'manual', '{}'::jsonb,
      CASE WHEN ${deployed} THEN 'on' ELSE 'off' END, now(),
      CASE WHEN ${deployed} THEN $4::int END,
      $2, $3,
      md5('bench' || g)::uuid::text,
      jsonb_build_object('system_vendor', 'Bench Inc.', 'system_product', 'BX-' || (g % 7),
        'system_serial', 'SN' || g, 'cpu_model', 'Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz',
        'mainboard_vendor', 'Bench Inc.', 'mainboard_firmware_version', '2.14.1'),
      '[]'::jsonb, 'uefi', now() - interval '1 day', now()
    FROM generate_series(1, $5::int) AS g`,
    [domainId, zoneId, poolId, ownerId ?? null, count],
  );
  const firstId = (await client.query(`SELECT min(id) AS id FROM machines WHERE system_id = 'bm000001'`))
    .rows[0].id;

  // Machine g has id firstId + g - 1 (one serial sequence, a single INSERT in order).
  await client.query(
    `
    INSERT INTO interfaces (machine_id, name, type, mac_address, enabled, is_boot, vendor, product,
      firmware_version, link_speed, interface_speed, link_connected, numa_node)
    SELECT m.id, 'eth' || i, 'physical',
      ('5254' || lpad(to_hex((g - 1) * 4 + i), 8, '0'))::macaddr,
      true, i = 0, 'Intel Corporation', 'Ethernet Controller X710 for 10GbE SFP+', '8.30',
      CASE WHEN i < 2 THEN 10000 ELSE 0 END, 10000, i < 2, 0
    FROM generate_series(1, $1::int) AS g
    JOIN machines m ON m.system_id = 'bm' || lpad(g::text, 6, '0')
    CROSS JOIN generate_series(0, 3) AS i
    ORDER BY g, i`,
    [count],
  );
  await client.query(
    `
    INSERT INTO block_devices (machine_id, name, type, model, serial, id_path, size, block_size, tags,
      firmware_version, numa_node)
    SELECT m.id, 'sd' || chr(97 + i), 'physical',
      CASE WHEN i = 0 THEN 'SAMSUNG MZ7LH240' ELSE 'ST2000NM0055' END,
      'S' || g || 'D' || i,
      '/dev/disk/by-id/wwn-0x5000c500' || lpad(to_hex((g - 1) * 4 + i), 8, '0'),
      CASE WHEN i = 0 THEN 240057409536 ELSE 2000398934016 * i END,
      CASE WHEN i = 0 THEN 512 ELSE 4096 END,
      CASE WHEN i = 0 THEN ARRAY['ssd'] ELSE ARRAY['rotary', '7200rpm'] END,
      'GXA7', 0
    FROM generate_series(1, $1::int) AS g
    JOIN machines m ON m.system_id = 'bm' || lpad(g::text, 6, '0')
    CROSS JOIN generate_series(0, 3) AS i
    ORDER BY g, i`,
    [count],
  );
  await client.query(
    `INSERT INTO tags (name, comment) SELECT unnest($1::text[]), 'bench' ON CONFLICT (name) DO NOTHING`,
    [BENCH_TAGS],
  );
  await client.query(
    `
    INSERT INTO machine_tags (machine_id, tag_id)
    SELECT m.id, t.id
    FROM generate_series(1, $1::int) AS g
    JOIN machines m ON m.system_id = 'bm' || lpad(g::text, 6, '0')
    JOIN tags t ON (t.name = 'bench-rack-a' AND g % 2 = 0) OR (t.name = 'bench-rack-b' AND g % 2 = 1)
      OR (t.name = 'bench-ssd' AND g % 2 = 0) OR (t.name = 'bench-gpu' AND g % 5 = 0)
      OR (t.name = 'bench-virtual' AND g % 10 = 3)`,
    [count],
  );
  if (events > 0)
    await client.query(
      `
      INSERT INTO events (type, level, description, username, node_system_id, node_hostname, created)
      SELECT (ARRAY['Commissioning', 'Testing', 'Ready', 'Deploying', 'Deployed'])[1 + (e - 1) % 5], 20, '',
        NULL, 'bm' || lpad(g::text, 6, '0'), 'bench-' || lpad(g::text, 6, '0'),
        now() - interval '1 day' + e * interval '1 minute'
      FROM generate_series(1, $1::int) AS g CROSS JOIN generate_series(1, $2::int) AS e
      ORDER BY g, e`,
      [count, events],
    );
  await client.query(
    `
    INSERT INTO machine_status_history (machine_id, from_status, to_status, username, reason)
    SELECT id, NULL, status, 'bench', 'seeded' FROM machines WHERE system_id LIKE 'bm%'`,
  );
  await client.query('COMMIT');
  for (const table of [
    'machines',
    'interfaces',
    'block_devices',
    'machine_tags',
    'tags',
    'events',
    'machine_status_history',
  ])
    await client.query(`ANALYZE ${table}`);
  const counts = (
    await client.query(`
      SELECT (SELECT count(*) FROM machines)::int AS machines,
             (SELECT count(*) FROM interfaces)::int AS interfaces,
             (SELECT count(*) FROM block_devices)::int AS block_devices,
             (SELECT count(*) FROM machine_tags)::int AS machine_tags,
             (SELECT count(*) FROM events)::int AS events`)
  ).rows[0];
  return { ...counts, firstId, ms: performance.now() - t0 };
}
