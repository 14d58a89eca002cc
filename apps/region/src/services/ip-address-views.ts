import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { ExpressionBuilder } from 'kysely';
import type { Database, SubnetRow, UserRow } from '../db/schema.js';
import { loadVlanViews, type VlanView } from './vlan-views.js';

/** The interface an address is linked to, as the address JSON names it. */
export interface LinkedInterface {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly macAddress: string;
  /** The system_id of its machine or device. */
  readonly systemId: string | null;
}

/** An address with what its JSON shows: its subnet (with VLAN), owner and interface. */
export interface IpAddressView {
  readonly id: number;
  readonly ip: string;
  readonly allocType: number;
  readonly created: Date;
  readonly updated: Date;
  readonly macAddress: string | null;
  readonly hostname: string | null;
  readonly ownerUsername: string | null;
  /** The owner's user row; null when there is none or the user was deleted. */
  readonly owner: UserRow | null;
  readonly subnet: SubnetRow | null;
  readonly vlan: VlanView | null;
  readonly interface: LinkedInterface | null;
}

type Where = (eb: ExpressionBuilder<Database, 'ip_addresses'>) => Expression<SqlBool>;

/** The views of the addresses (with an ip) that `where` selects, in id order. */
export async function loadIpAddressViews(db: Kysely<Database>, where: Where): Promise<IpAddressView[]> {
  const rows = await db
    .selectFrom('ip_addresses')
    .leftJoin('interfaces as i', 'i.id', 'ip_addresses.interface_id')
    .leftJoin('machines as m', 'm.id', 'i.machine_id')
    .leftJoin('devices as d', 'd.id', 'i.device_id')
    .select([
      sql<number>`ip_addresses.id`.as('id'),
      sql<string>`host(ip_addresses.ip)`.as('ip'),
      'ip_addresses.alloc_type',
      'ip_addresses.created',
      'ip_addresses.updated',
      'ip_addresses.mac_address',
      'ip_addresses.hostname',
      'ip_addresses.owner_id',
      'ip_addresses.owner_username',
      'ip_addresses.subnet_id',
      'i.id as interface_id',
      'i.name as interface_name',
      'i.type as interface_type',
      'i.mac_address as interface_mac',
      sql<string | null>`coalesce(m.system_id, d.system_id)`.as('system_id'),
    ])
    .where('ip_addresses.ip', 'is not', null)
    .where(where)
    .orderBy('ip_addresses.id')
    .execute();
  const subnetIds = [...new Set(rows.flatMap((r) => (r.subnet_id === null ? [] : [r.subnet_id])))];
  const ownerIds = [...new Set(rows.flatMap((r) => (r.owner_id === null ? [] : [r.owner_id])))];
  const [subnets, owners] = await Promise.all([
    subnetIds.length === 0 ? [] : db.selectFrom('subnets').selectAll().where('id', 'in', subnetIds).execute(),
    ownerIds.length === 0 ? [] : db.selectFrom('users').selectAll().where('id', 'in', ownerIds).execute(),
  ]);
  const subnetById = new Map(subnets.map((s) => [s.id, s]));
  const ownerById = new Map(owners.map((u) => [u.id, u]));
  const vlans = await loadVlanViews(db, [...new Set(subnets.map((s) => s.vlan_id))]);
  return rows.map((r) => {
    const subnet = r.subnet_id === null ? null : (subnetById.get(r.subnet_id) ?? null);
    return {
      id: r.id,
      ip: r.ip,
      allocType: r.alloc_type,
      created: r.created,
      updated: r.updated,
      macAddress: r.mac_address,
      hostname: r.hostname,
      ownerUsername: r.owner_username,
      owner: r.owner_id === null ? null : (ownerById.get(r.owner_id) ?? null),
      subnet,
      vlan: subnet ? (vlans.get(subnet.vlan_id) ?? null) : null,
      interface:
        r.interface_id === null
          ? null
          : {
              id: r.interface_id,
              name: r.interface_name ?? '',
              type: r.interface_type ?? 'unknown',
              macAddress: r.interface_mac ?? '',
              systemId: r.system_id,
            },
    };
  });
}
