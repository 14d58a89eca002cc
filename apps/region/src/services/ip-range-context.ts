import { sql, type Kysely } from 'kysely';
import { parseIp, type CheckIpRangeInput, type Ip } from '@ferrum/domain';
import type { Database, SubnetRow } from '../db/schema.js';
import { subnetCidr } from './subnet-usage-source.js';

/** What checkIpRange needs to know of a subnet besides the range itself. */
export type IpRangeContext = Omit<CheckIpRangeInput, 'type' | 'startIp' | 'endIp' | 'previous'>;

const ipOf = (text: string): Ip | undefined => parseIp(text.split('/')[0] ?? text);
const valuesOf = (rows: readonly { ip: string }[]): bigint[] => rows.flatMap((r) => ipOf(r.ip)?.value ?? []);

/**
 * A subnet's ranges (but `exceptRangeId`), static-route gateways, allocated addresses and
 * reserved IPs, read in the caller's transaction, which holds the subnet's row lock: nothing can
 * change them until it ends.
 */
export async function loadIpRangeContext(
  trx: Kysely<Database>,
  subnet: SubnetRow,
  exceptRangeId: number | undefined,
): Promise<IpRangeContext> {
  const [ranges, routes, assigned, reserved] = await Promise.all([
    trx
      .selectFrom('ip_ranges')
      .select(['id', 'type', sql<string>`host(start_ip)`.as('start'), sql<string>`host(end_ip)`.as('end')])
      .where('subnet_id', '=', subnet.id)
      .where('id', '<>', exceptRangeId ?? -1)
      .execute(),
    trx
      .selectFrom('static_routes')
      .select(sql<string>`host(gateway_ip)`.as('ip'))
      .where('source_id', '=', subnet.id)
      .execute(),
    // Observed (DISCOVERED) addresses do not stop a range, as in MAAS.
    trx
      .selectFrom('ip_addresses')
      .select(sql<string>`host(ip)`.as('ip'))
      .where('subnet_id', '=', subnet.id)
      .where('ip', 'is not', null)
      .where('alloc_type', '<>', 6)
      .execute(),
    trx
      .selectFrom('reserved_ips')
      .select(sql<string>`host(ip)`.as('ip'))
      .where('subnet_id', '=', subnet.id)
      .execute(),
  ]);
  return {
    cidr: subnetCidr(subnet),
    managed: subnet.managed,
    gatewayIp: subnet.gateway_ip === null ? undefined : ipOf(subnet.gateway_ip),
    dnsServers: subnet.dns_servers.flatMap((t) => ipOf(t) ?? []),
    staticRouteGateways: routes.flatMap((r) => ipOf(r.ip) ?? []),
    assigned: valuesOf(assigned),
    reservedIps: valuesOf(reserved),
    others: ranges.flatMap((r) => {
      const first = ipOf(r.start);
      const last = ipOf(r.end);
      return first && last ? [{ id: r.id, type: r.type, first: first.value, last: last.value }] : [];
    }),
  };
}
