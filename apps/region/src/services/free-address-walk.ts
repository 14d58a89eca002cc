import { sql, type Kysely } from 'kysely';
import { formatIp, parseIp, type IpFamily, type IpInterval } from '@ferrum/domain';
import type { Database } from '../db/schema.js';

/** Rows read per source on the first step of a walk; each further step reads four times more. */
const FIRST_BATCH = 16;
const MAX_BATCH = 4096;

/**
 * The lowest address of `segment` nobody uses (no ip_addresses row of any alloc type — an
 * observed one may have no subnet — no reserved IP, not in `exclude`), or undefined when every
 * one is used. Walks the used addresses upward from the segment's start in index order, a batch
 * at a time, so it reads only the used addresses below the answer: none when the segment starts
 * with a free address, all of them when it is full.
 */
export async function firstFreeAddress(
  db: Kysely<Database>,
  subnetId: number,
  family: IpFamily,
  segment: IpInterval,
  exclude: ReadonlySet<bigint>,
): Promise<bigint | undefined> {
  let candidate = segment.first;
  let batch = FIRST_BATCH;
  while (candidate <= segment.last) {
    const from = formatIp({ family, value: candidate });
    const to = formatIp({ family, value: segment.last });
    // Each source in index order (ip_addresses_subnet, reserved_ips_ip), limited; what is known
    // to be complete ends at the lowest last row of a source that filled its batch.
    const rows = await sql<{ src: number; addr: string }>`
      (SELECT 0 AS src, host(ip) AS addr FROM ip_addresses
        WHERE subnet_id = ${subnetId} AND ip >= ${from}::inet AND ip <= ${to}::inet ORDER BY ip_addresses.ip LIMIT ${batch})
      UNION ALL
      (SELECT 1, host(ip) FROM ip_addresses
        WHERE subnet_id IS NULL AND ip >= ${from}::inet AND ip <= ${to}::inet ORDER BY ip_addresses.ip LIMIT ${batch})
      UNION ALL
      (SELECT 2, host(ip) FROM reserved_ips
        WHERE subnet_id = ${subnetId} AND ip >= ${from}::inet AND ip <= ${to}::inet ORDER BY reserved_ips.ip LIMIT ${batch})`.execute(
      db,
    );
    const counts = [0, 0, 0];
    const last: (bigint | undefined)[] = [undefined, undefined, undefined];
    const used: bigint[] = [];
    for (const row of rows.rows) {
      const value = parseIp(row.addr)?.value;
      if (value === undefined) continue;
      used.push(value);
      counts[row.src] = (counts[row.src] ?? 0) + 1;
      // Rows of a source come in address order: its last row is its highest.
      last[row.src] = value;
    }
    let known = segment.last;
    for (let s = 0; s < 3; s += 1) {
      const edge = last[s];
      if (counts[s] === batch && edge !== undefined && edge < known) known = edge;
    }
    used.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const value of used) {
      if (value > known) break;
      if (value < candidate) continue;
      if (value > candidate) break;
      candidate = value + 1n;
      while (exclude.has(candidate)) candidate += 1n;
    }
    while (exclude.has(candidate)) candidate += 1n;
    if (candidate <= known || known === segment.last)
      return candidate <= segment.last ? candidate : undefined;
    // Every address up to `known` is used: go on from `candidate` (past it), in a bigger batch.
    batch = Math.min(batch * 4, MAX_BATCH);
  }
  return undefined;
}
