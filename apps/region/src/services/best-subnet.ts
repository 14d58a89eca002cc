import { sql, type Kysely } from 'kysely';
import { formatIp, type Ip } from '@ferrum/domain';
import type { Database, SubnetRow } from '../db/schema.js';

/**
 * The subnet an address belongs to when none is named (MAAS's get_best_subnet_for_ip, which
 * IPRangeForm and ReservedIPForm use): one whose CIDR contains it, a subnet on a VLAN with DHCP
 * first, then the most specific. An IPv4-mapped IPv6 address is looked up as its IPv4 form.
 */
export async function bestSubnetForIp(db: Kysely<Database>, ip: Ip): Promise<SubnetRow | undefined> {
  const text = formatIp(ip).replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return db
    .selectFrom('subnets as s')
    .innerJoin('vlans as v', 'v.id', 's.vlan_id')
    .selectAll('s')
    .where(sql<boolean>`${text}::inet << s.cidr`)
    .orderBy('v.dhcp_on', 'desc')
    .orderBy(sql`masklen(s.cidr)`, 'desc')
    .orderBy('s.id')
    .limit(1)
    .executeTakeFirst();
}
