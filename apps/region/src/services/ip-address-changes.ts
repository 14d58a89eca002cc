import { sql, type Kysely } from 'kysely';
import { parseIp } from '@ferrum/domain';
import { AllocType, type Database } from '../db/schema.js';
import type { NetworkChange } from './network-changes.js';

/**
 * MAAS's get_ip_based_hostname: the address with `.` and `:` turned into `-` (`10-0-0-5`,
 * `2001-db8--5`); an IPv4-mapped IPv6 address is named by its IPv4 form.
 */
export function ipBasedHostname(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return (mapped?.[1] ?? ip).replace(/[.:]/g, '-');
}

/**
 * The DNS name MAAS serves for a reservation made without a hostname (the special mappings of
 * StaticIPAddressManager): its IP-based hostname in the default domain.
 */
export async function addressDnsName(db: Kysely<Database>, ip: string): Promise<string> {
  return ipBasedFqdn(ip, await defaultDomainName(db));
}

/** The default domain's name (undefined only while there is none). */
export async function defaultDomainName(db: Kysely<Database>): Promise<string | undefined> {
  const domain = await db
    .selectFrom('domains')
    .select('name')
    .where('is_default', '=', true)
    .executeTakeFirst();
  return domain?.name;
}

/** The IP-based hostname of `ip` in `domain`. */
export function ipBasedFqdn(ip: string, domain: string | undefined): string {
  const host = ipBasedHostname(ip);
  return domain === undefined ? host : `${host}.${domain}`;
}

/** The alloc types DHCP host entries and DNS records are made for (MAAS's dhcp.py, dns zones). */
const withEntries: ReadonlySet<number> = new Set([AllocType.auto, AllocType.sticky, AllocType.userReserved]);

/** An address being released, as its DHCP and DNS changes need it. */
export interface ReleasedAddress {
  readonly id: number;
  readonly ip: string;
  readonly alloc_type: number;
  readonly subnet_id: number | null;
  readonly interface_id: number | null;
  readonly mac_address: string | null;
  readonly hostname: string | null;
}

/**
 * The changes the release of an address makes: its DHCP host entry goes (a reservation's MAC,
 * or the MAC of the interface an AUTO/STICKY address is linked to) and so does its DNS record
 * (the reservation's name, or the node's FQDN). Observed addresses and leases have neither.
 */
export async function releaseChanges(
  trx: Kysely<Database>,
  address: ReleasedAddress,
): Promise<NetworkChange[]> {
  const { ip } = address;
  if (address.subnet_id === null || parseIp(ip) === undefined) return [];
  if (!withEntries.has(address.alloc_type)) return [];
  const subnet = await trx
    .selectFrom('subnets')
    .select(['id', 'vlan_id'])
    .where('id', '=', address.subnet_id)
    .executeTakeFirst();
  if (!subnet) return [];
  const changes: NetworkChange[] = [];
  const host = (mac: string, hostname: string | null): NetworkChange => ({
    kind: 'dhcp.host',
    action: 'remove',
    subnetId: subnet.id,
    vlanId: subnet.vlan_id,
    ip,
    mac,
    hostname,
  });
  const dns = (fqdn: string): NetworkChange => ({
    kind: 'dns.address',
    action: 'remove',
    subnetId: subnet.id,
    fqdn,
    ip,
    ttl: null,
  });
  if (address.alloc_type === AllocType.userReserved) {
    const fqdn = address.hostname ?? (await addressDnsName(trx, ip));
    if (address.mac_address !== null) changes.push(host(address.mac_address, fqdn.split('.')[0] ?? null));
    changes.push(dns(fqdn));
    return changes;
  }
  if (address.interface_id === null) return [];
  const node = await sql<{ mac: string; hostname: string | null; domain: string | null }>`
    SELECT i.mac_address::text AS mac, coalesce(m.hostname, d.hostname) AS hostname, dom.name AS domain
    FROM interfaces i
    LEFT JOIN machines m ON m.id = i.machine_id
    LEFT JOIN devices d ON d.id = i.device_id
    LEFT JOIN domains dom ON dom.id = coalesce(m.domain_id, d.domain_id)
    WHERE i.id = ${address.interface_id}`.execute(trx);
  const row = node.rows[0];
  if (!row) return [];
  changes.push(host(row.mac, row.hostname));
  if (row.hostname !== null) changes.push(dns(row.domain ? `${row.hostname}.${row.domain}` : row.hostname));
  return changes;
}
