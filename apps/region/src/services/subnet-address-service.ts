import { sql, type Kysely } from 'kysely';
import {
  reservedIpRanges,
  subnetStatistics,
  unreservedIpRanges,
  type ReservedIpRange,
  type SubnetStatistics,
  type SubnetUsageInput,
  type UnreservedIpRange,
} from '@ferrum/domain';
import { AllocType, type Database } from '../db/schema.js';
import { findSubnet } from './network-lookup.js';
import { loadSubnetLayout, loadUsedAddresses, subnetCidr } from './subnet-usage-source.js';

/** One address of a subnet as MAAS's `ip_addresses` op reports it (render_json_for_related_ips). */
export interface SubnetAddress {
  readonly id: number;
  readonly ip: string;
  readonly allocType: number;
  readonly created: Date;
  readonly updated: Date;
  /** The address's own owner (a reservation's user). */
  readonly username: string | null;
  readonly hostname: string | null;
  readonly node: {
    readonly systemId: string;
    /** MAAS's NODE_TYPE: 0 machine, 1 device. */
    readonly nodeType: 0 | 1;
    readonly hostname: string;
    readonly fqdn: string;
    readonly isContainer: boolean;
    readonly via: string;
    readonly owner: string | null;
  } | null;
}

/** The address views of `subnets/{id}/`: statistics, used and free ranges, and its addresses. */
export class SubnetAddressService {
  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  /** MAAS's `op=statistics` (IPRangeStatistics of get_iprange_usage). */
  async statistics(
    key: string,
    options: { includeRanges: boolean; includeSuggestions: boolean },
  ): Promise<SubnetStatistics> {
    return subnetStatistics(await this.usage(key), options);
  }

  /** MAAS's `op=reserved_ip_ranges`: every use of the subnet's addresses, condensed. */
  async reservedRanges(key: string): Promise<ReservedIpRange[]> {
    return reservedIpRanges(await this.usage(key));
  }

  /** MAAS's `op=unreserved_ip_ranges`: the free ranges. */
  async unreservedRanges(key: string): Promise<UnreservedIpRange[]> {
    return unreservedIpRanges(await this.usage(key));
  }

  /** MAAS's `op=ip_addresses`: the subnet's addresses (with an ip), in address order. */
  async addresses(key: string): Promise<SubnetAddress[]> {
    const { db } = this.deps;
    const subnet = await findSubnet(db, key);
    const rows = await sql<{
      id: number;
      ip: string;
      alloc_type: number;
      created: Date;
      updated: Date;
      owner_username: string | null;
      hostname: string | null;
      iface: string | null;
      m_system_id: string | null;
      m_hostname: string | null;
      m_owner: string | null;
      d_system_id: string | null;
      d_hostname: string | null;
      d_owner: string | null;
      d_parent: number | null;
      domain: string | null;
    }>`
      SELECT a.id, host(a.ip) AS ip, a.alloc_type, a.created, a.updated, a.owner_username, a.hostname,
             i.name AS iface,
             m.system_id AS m_system_id, m.hostname AS m_hostname, mo.username AS m_owner,
             d.system_id AS d_system_id, d.hostname AS d_hostname, dow.username AS d_owner,
             d.parent_machine_id AS d_parent, dom.name AS domain
      FROM ip_addresses a
      LEFT JOIN interfaces i ON i.id = a.interface_id
      LEFT JOIN machines m ON m.id = i.machine_id
      LEFT JOIN users mo ON mo.id = m.owner_id
      LEFT JOIN devices d ON d.id = i.device_id
      LEFT JOIN users dow ON dow.id = d.owner_id
      LEFT JOIN domains dom ON dom.id = coalesce(m.domain_id, d.domain_id)
      WHERE a.subnet_id = ${subnet.id} AND a.ip IS NOT NULL
      ORDER BY a.ip, a.id`.execute(db);
    return rows.rows.map((r) => {
      const systemId = r.m_system_id ?? r.d_system_id;
      const hostname = r.m_hostname ?? r.d_hostname;
      return {
        id: r.id,
        ip: r.ip,
        allocType: r.alloc_type,
        created: r.created,
        updated: r.updated,
        username: r.owner_username,
        hostname: r.alloc_type === AllocType.userReserved ? r.hostname : null,
        node:
          systemId === null || hostname === null
            ? null
            : {
                systemId,
                nodeType: r.m_system_id !== null ? 0 : 1,
                hostname,
                fqdn: r.domain ? `${hostname}.${r.domain}` : hostname,
                isContainer: r.d_parent !== null,
                via: r.iface ?? '',
                owner: r.m_owner ?? r.d_owner,
              },
      };
    });
  }

  /** The subnet's usage input: its layout and, in one query, every address in use. */
  private async usage(key: string): Promise<SubnetUsageInput> {
    const { db } = this.deps;
    const subnet = await findSubnet(db, key);
    const [layout, assigned] = await Promise.all([
      loadSubnetLayout(db, subnet),
      loadUsedAddresses(db, subnet.id, subnetCidr(subnet)),
    ]);
    return { ...layout, assigned };
  }
}
