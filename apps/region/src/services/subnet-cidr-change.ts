import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database } from '../db/schema.js';

/** How many of the things left outside a new CIDR the refusal names. */
const LISTED = 10;

/**
 * Refuses to move a subnet to `cidr` while something of it would be left outside: an IP range,
 * a reserved IP, the gateway of a static route from it, or an address that is not merely
 * observed. MAAS lets the change through and leaves such rows pointing at a subnet that no
 * longer contains them (it only detaches USER_RESERVED addresses, which our schema cannot hold
 * without a subnet); Ferrum keeps every address inside its subnet instead. Runs in the
 * transaction holding the subnet's row lock.
 */
export async function checkCidrChange(trx: Kysely<Database>, subnetId: number, cidr: string): Promise<void> {
  const outside = await sql<{ what: string }>`
    SELECT what FROM (
      SELECT 1 AS o, r.id AS k, r.type || ' range ' || host(r.start_ip) || '-' || host(r.end_ip) AS what
      FROM ip_ranges r
      WHERE r.subnet_id = ${subnetId}
        AND NOT (r.start_ip <<= ${cidr}::cidr AND r.end_ip <<= ${cidr}::cidr)
      UNION ALL
      SELECT 2, x.id, 'reserved IP ' || host(x.ip) FROM reserved_ips x
      WHERE x.subnet_id = ${subnetId} AND NOT x.ip <<= ${cidr}::cidr
      UNION ALL
      SELECT 3, s.id, 'static route gateway ' || host(s.gateway_ip) FROM static_routes s
      WHERE s.source_id = ${subnetId} AND NOT s.gateway_ip <<= ${cidr}::cidr
      UNION ALL
      SELECT 4, a.id, 'address ' || host(a.ip) FROM ip_addresses a
      WHERE a.subnet_id = ${subnetId} AND a.alloc_type <> 6 AND a.ip IS NOT NULL
        AND NOT a.ip <<= ${cidr}::cidr
    ) t ORDER BY o, k LIMIT ${LISTED + 1}`.execute(trx);
  if (outside.rows.length === 0) return;
  const listed = outside.rows.slice(0, LISTED).map((r) => r.what);
  const more = outside.rows.length > LISTED ? ', …' : '';
  throw AppError.invalid({
    cidr: `Cannot change the CIDR to ${cidr}: these would be outside it: ${listed.join(', ')}${more}.`,
  });
}

/**
 * Ties observed addresses to the subnet they now fall in (MAAS's update_referenced_ip_addresses):
 * those of `subnetId` outside `cidr` lose their subnet, those of no subnet inside it gain it.
 */
export async function relinkObservedAddresses(
  trx: Kysely<Database>,
  subnetId: number,
  cidr: string,
): Promise<void> {
  await sql`
    UPDATE ip_addresses SET subnet_id = NULL, updated = now()
    WHERE subnet_id = ${subnetId} AND alloc_type = 6 AND ip IS NOT NULL AND NOT ip <<= ${cidr}::cidr`.execute(
    trx,
  );
  await sql`
    UPDATE ip_addresses SET subnet_id = ${subnetId}, updated = now()
    WHERE subnet_id IS NULL AND ip <<= ${cidr}::cidr`.execute(trx);
}
