import { sql, type Kysely } from 'kysely';
import {
  AppError,
  formatCidr,
  parseCidr,
  parseIp,
  type AddressValues,
  type Cidr,
  type Ip,
  type SubnetIpRange,
  type SubnetUsageInput,
} from '@ferrum/domain';
import type { Database, SubnetRow } from '../db/schema.js';

/** A subnet's usage input without its assigned addresses (gateway, DNS servers, ranges, routes). */
export type SubnetLayout = Omit<SubnetUsageInput, 'assigned'>;

function ipOf(text: string): Ip | undefined {
  // inet text may carry a prefix length (`10.0.0.1/32`) when written with one.
  return parseIp(text.split('/')[0] ?? text);
}

/** The subnet's CIDR as a value; the column is a PostgreSQL cidr, so this cannot fail for stored rows. */
export function subnetCidr(subnet: Pick<SubnetRow, 'cidr'>): Cidr {
  const parsed = parseCidr(subnet.cidr);
  if (!('cidr' in parsed)) throw new AppError('internal', `stored subnet CIDR ${subnet.cidr} is not a CIDR`);
  return parsed.cidr;
}

interface LayoutRange {
  readonly type: string;
  readonly start: string;
  readonly end: string;
  readonly comment: string;
}

type LayoutSubnet = Pick<SubnetRow, 'id' | 'cidr' | 'managed' | 'gateway_ip' | 'dns_servers'>;

/** The subnet's IP ranges and static-route gateways, as subqueries of a query on `subnets s`. */
const layoutColumns = [
  sql<LayoutRange[]>`(SELECT coalesce(json_agg(json_build_object('type', r.type, 'start', host(r.start_ip),
    'end', host(r.end_ip), 'comment', r.comment)), '[]') FROM ip_ranges r WHERE r.subnet_id = s.id)`.as(
    'layout_ranges',
  ),
  sql<string[]>`(SELECT coalesce(array_agg(host(g.gateway_ip)), '{}') FROM static_routes g
    WHERE g.source_id = s.id)`.as('layout_gateways'),
] as const;

/**
 * What a subnet's address usage is computed from besides its addresses: its CIDR, managed flag,
 * gateway, DNS servers, static-route gateways and IP ranges (one small query).
 */
export async function loadSubnetLayout(db: Kysely<Database>, subnet: LayoutSubnet): Promise<SubnetLayout> {
  const row = await db
    .selectFrom('subnets as s')
    .select([...layoutColumns])
    .where('s.id', '=', subnet.id)
    .executeTakeFirst();
  return buildLayout(subnet, row?.layout_ranges ?? [], row?.layout_gateways ?? []);
}

/**
 * The subnet's row locked for the rest of `trx` (FOR NO KEY UPDATE: see IpAllocator.pick) with
 * its layout, in one round trip; undefined when there is no such subnet.
 */
export async function lockSubnetWithLayout(
  trx: Kysely<Database>,
  subnetId: number,
): Promise<{ subnet: SubnetRow; layout: SubnetLayout } | undefined> {
  const row = await trx
    .selectFrom('subnets as s')
    .selectAll('s')
    .select([...layoutColumns])
    .where('s.id', '=', subnetId)
    .forNoKeyUpdate('s')
    .executeTakeFirst();
  if (!row) return undefined;
  const { layout_ranges: ranges, layout_gateways: gateways, ...subnet } = row;
  return { subnet, layout: buildLayout(subnet, ranges, gateways) };
}

function buildLayout(
  subnet: LayoutSubnet,
  ranges: readonly LayoutRange[],
  gateways: readonly string[],
): SubnetLayout {
  const cidr = subnetCidr(subnet);
  const subnetRanges: SubnetIpRange[] = [];
  for (const r of ranges) {
    const first = ipOf(r.start);
    const last = ipOf(r.end);
    if (first === undefined || last === undefined || (r.type !== 'dynamic' && r.type !== 'reserved'))
      continue;
    subnetRanges.push({ type: r.type, first: first.value, last: last.value, comment: r.comment });
  }
  const ips = (texts: readonly string[]) => texts.flatMap((t) => ipOf(t) ?? []);
  return {
    cidr,
    managed: subnet.managed,
    gatewayIp: subnet.gateway_ip === null ? undefined : ipOf(subnet.gateway_ip),
    dnsServers: ips(subnet.dns_servers),
    staticRouteGateways: ips(gateways),
    ranges: subnetRanges,
  };
}

/**
 * The addresses of the subnet anyone uses, in one query: every ip_addresses row with an address
 * in it (any alloc type: assigned, leases, discovered — discovered ones may have no subnet_id)
 * and every reserved IP, possibly repeated (the usage computations merge). They come back as
 * one comma-separated text: 10,000 rows as one value cost a third of 10,000 result rows. IPv4
 * ones come sorted, as integers, read into a Uint32Array without a string, a BigInt or a sort
 * in JavaScript (the domain's IPv4 fast path); IPv6 ones as address text, in no order.
 */
export async function loadUsedAddresses(
  db: Kysely<Database>,
  subnetId: number,
  cidr: Cidr,
): Promise<AddressValues> {
  const used = usedAddressesSql(subnetId, cidr);
  const rows = await (
    cidr.family === 4
      ? sql<{ used: string | null }>`
        SELECT string_agg((ip - '0.0.0.0'::inet)::text, ',' ORDER BY ip) AS used FROM (${used}) u`
      : sql<{ used: string | null }>`SELECT string_agg(host(ip), ',') AS used FROM (${used}) u`
  ).execute(db);
  const text = rows.rows[0]?.used ?? null;
  if (text === null) return [];
  return cidr.family === 4 ? parseIntegerList(text) : text.split(',').flatMap((t) => ipOf(t)?.value ?? []);
}

/** `1,22,333` (string_agg of non-negative integers below 2^32) as a Uint32Array. */
function parseIntegerList(text: string): Uint32Array {
  let count = 1;
  for (let at = text.indexOf(','); at >= 0; at = text.indexOf(',', at + 1)) count += 1;
  const values = new Uint32Array(count);
  let n = 0;
  let value = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      values[n] = value;
      n += 1;
      value = 0;
    } else value = value * 10 + (c - 48);
  }
  values[n] = value;
  return values;
}

/** The used addresses of a subnet as one SELECT of a column `ip` (duplicates possible). */
export function usedAddressesSql(subnetId: number, cidr: Cidr) {
  return sql`
    SELECT ip FROM ip_addresses WHERE subnet_id = ${subnetId} AND ip IS NOT NULL
    UNION ALL
    SELECT ip FROM ip_addresses WHERE subnet_id IS NULL AND ip <<= ${formatCidr(cidr)}::cidr
    UNION ALL
    SELECT ip FROM reserved_ips WHERE subnet_id = ${subnetId}`;
}
