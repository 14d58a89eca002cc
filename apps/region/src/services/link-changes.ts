import { sql, type Kysely } from 'kysely';
import { AllocType, type Database } from '../db/schema.js';
import type { NetworkChange } from './network-changes.js';

/** A link address that gains or loses its IP, as its DHCP host entry and DNS record need it. */
export interface LinkAddress {
  readonly ip: string;
  readonly allocType: number;
  readonly subnetId: number;
  readonly vlanId: number;
  /** The MAC of the interface the address is linked to. */
  readonly mac: string;
}

/** The node a link belongs to: its DNS name is hostname.domain. */
export interface LinkNode {
  readonly hostname: string;
  readonly domain: string;
}

/** The alloc types with DHCP host entries and DNS records (MAAS's dhcp.py and DNS zones). */
const withEntries: ReadonlySet<number> = new Set([AllocType.auto, AllocType.sticky, AllocType.userReserved]);

/**
 * The network changes of link addresses that got (`upsert`) or lost (`remove`) their IP: a
 * DHCP host entry (the interface's MAC → the address) and a DNS record (the node's FQDN → the
 * address) each. Leases and observations have neither.
 */
export function linkChanges(
  action: 'upsert' | 'remove',
  node: LinkNode,
  addresses: readonly LinkAddress[],
): NetworkChange[] {
  const changes: NetworkChange[] = [];
  for (const a of addresses) {
    if (!withEntries.has(a.allocType)) continue;
    changes.push(
      {
        kind: 'dhcp.host',
        action,
        subnetId: a.subnetId,
        vlanId: a.vlanId,
        ip: a.ip,
        mac: a.mac,
        hostname: node.hostname,
      },
      {
        kind: 'dns.address',
        action,
        subnetId: a.subnetId,
        fqdn: `${node.hostname}.${node.domain}`,
        ip: a.ip,
        ttl: null,
      },
    );
  }
  return changes;
}

/** The hostname and domain name of the machine or device an interface belongs to. */
export async function linkNodeOf(db: Kysely<Database>, interfaceId: number): Promise<LinkNode | undefined> {
  const result = await sql<LinkNode>`
    SELECT coalesce(m.hostname, d.hostname) AS hostname, dom.name AS domain
    FROM interfaces i
    LEFT JOIN machines m ON m.id = i.machine_id
    LEFT JOIN devices d ON d.id = i.device_id
    JOIN domains dom ON dom.id = coalesce(m.domain_id, d.domain_id)
    WHERE i.id = ${interfaceId}`.execute(db);
  return result.rows[0];
}

/** An address row with what its changes need: the subnet's VLAN and the interface's name and MAC. */
export interface HeldAddress {
  readonly id: string;
  readonly ip: string | null;
  readonly alloc_type: number;
  readonly subnet_id: number | null;
  readonly vlan_id: number | null;
  /** The subnet's IP family (4 or 6), null without a subnet. */
  readonly family: number | null;
  readonly interface_id: number | null;
  readonly interface_name: string;
  readonly mac: string;
  readonly for_allocation: boolean;
}

/** The link addresses of the interfaces `interfaceIds` (observations too), locked for `trx`, by id. */
export async function lockHeldAddresses(
  trx: Kysely<Database>,
  interfaceIds: readonly number[],
): Promise<HeldAddress[]> {
  if (interfaceIds.length === 0) return [];
  const result = await sql<HeldAddress>`
    SELECT a.id::text AS id, host(a.ip) AS ip, a.alloc_type, a.subnet_id, s.vlan_id, family(s.cidr) AS family,
      a.interface_id,
      i.name AS interface_name, i.mac_address::text AS mac, a.for_allocation
    FROM ip_addresses a
    JOIN interfaces i ON i.id = a.interface_id
    LEFT JOIN subnets s ON s.id = a.subnet_id
    WHERE a.interface_id = ANY(${sql.val([...interfaceIds])}::int[])
    ORDER BY a.id
    FOR UPDATE OF a`.execute(trx);
  return result.rows;
}

/** `held` as link addresses, those with an IP on a subnet. */
export function withIp(held: readonly HeldAddress[]): LinkAddress[] {
  return held.flatMap((h) =>
    h.ip !== null && h.subnet_id !== null && h.vlan_id !== null
      ? [{ ip: h.ip, allocType: h.alloc_type, subnetId: h.subnet_id, vlanId: h.vlan_id, mac: h.mac }]
      : [],
  );
}
