import { sql, type Kysely } from 'kysely';
import { AllocType, type Database, type InterfaceRow, type SubnetRow } from '../db/schema.js';
import { loadVlanViews, type VlanView } from './vlan-views.js';

/** The interface columns a view carries (what its JSON shows, and what the services decide by). */
export type InterfaceRowView = Omit<InterfaceRow, 'created' | 'updated'>;

/** The subnet columns its JSON shows. */
export type LinkSubnetRow = Omit<SubnetRow, 'created' | 'updated'>;

/** A subnet as a link shows it: its row and its VLAN's view. */
export interface LinkSubnet {
  readonly subnet: LinkSubnetRow;
  readonly vlan: VlanView;
}

/**
 * A link: one ip_addresses row of the interface that is not an observation (MAAS's
 * interface.get_links): AUTO, STICKY (STATIC with an address, LINK_UP without), DHCP,
 * USER_RESERVED.
 */
export interface LinkView {
  readonly id: number;
  readonly allocType: number;
  /** The address held: set for STATIC, for AUTO once deployed; a DHCP link shows the lease. */
  readonly ip: string | null;
  readonly subnet: LinkSubnet | null;
  /** Class 2: claimed for the current allocation, collected at release. */
  readonly forAllocation: boolean;
}

/** An address observed on the interface (DISCOVERED: a DHCP lease, commissioning data). */
export interface DiscoveredView {
  readonly ip: string;
  readonly subnet: LinkSubnet | null;
}

/** An interface with everything its JSON shows: VLAN, parents and children by name, links, MTU. */
export interface InterfaceViewWithLinks extends InterfaceRowView {
  readonly vlan: VlanView | null;
  readonly parents: readonly string[];
  readonly children: readonly string[];
  readonly links: readonly LinkView[];
  readonly discovered: readonly DiscoveredView[];
  /** MAAS's get_effective_mtu: the largest of its own MTU and its children's. */
  readonly effectiveMtu: number;
}

/** Which interfaces to read: every interface of some machines or devices, or some by id. */
export type InterfaceSelection =
  | { readonly machineIds: readonly number[] }
  | { readonly deviceIds: readonly number[] }
  | { readonly interfaceIds: readonly number[] };

/** The interface columns selected, for SQL and JSON builders that name them. */
export const interfaceRowColumns = [
  'id',
  'machine_id',
  'device_id',
  'name',
  'type',
  'mac_address',
  'enabled',
  'is_boot',
  'tags',
  'vendor',
  'product',
  'firmware_version',
  'link_speed',
  'interface_speed',
  'link_connected',
  'numa_node',
  'sriov_max_vf',
  'vlan_id',
  'params',
  'for_allocation',
] as const satisfies readonly (keyof InterfaceRowView)[];

/** Linux's and MAAS's MTU when neither the interface nor its VLAN says (DEFAULT_MTU). */
export const DEFAULT_MTU = 1500;

/**
 * The views of the interfaces `selection` names, ordered by id, in a fixed number of queries
 * whatever their number (no N+1): the interfaces; then side by side their parent/child
 * relations and their addresses with their subnets; then the VLANs of both (one query per
 * level of relay VLANs).
 */
export async function loadInterfaceViews(
  db: Kysely<Database>,
  selection: InterfaceSelection,
): Promise<InterfaceViewWithLinks[]> {
  const [column, ids] =
    'machineIds' in selection
      ? (['machine_id', selection.machineIds] as const)
      : 'deviceIds' in selection
        ? (['device_id', selection.deviceIds] as const)
        : (['id', selection.interfaceIds] as const);
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('interfaces')
    .select(interfaceRowColumns)
    .where(column, '=', (eb) => eb.fn.any(eb.val([...ids])))
    .orderBy('id')
    .execute();
  return attachNetworking(db, rows);
}

/**
 * The views of interface rows already read (by the machine store, with its machines): their
 * relations, links and VLANs in two further round trips (one when nothing is on a VLAN).
 */
export async function attachNetworking(
  db: Kysely<Database>,
  rows: readonly InterfaceRowView[],
): Promise<InterfaceViewWithLinks[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [relations, addresses] = await Promise.all([
    db
      .selectFrom('interface_parents as r')
      .innerJoin('interfaces as c', 'c.id', 'r.child_id')
      .innerJoin('interfaces as p', 'p.id', 'r.parent_id')
      .select(['r.child_id', 'r.parent_id', 'c.name as child_name', 'p.name as parent_name'])
      .where((eb) =>
        eb.or([
          eb('r.child_id', '=', eb.fn.any(eb.val(ids))),
          eb('r.parent_id', '=', eb.fn.any(eb.val(ids))),
        ]),
      )
      .execute(),
    db
      .selectFrom('ip_addresses as a')
      .leftJoin('subnets as s', 's.id', 'a.subnet_id')
      .select([
        sql<string>`a.id::text`.as('id'),
        sql<string | null>`host(a.ip)`.as('ip'),
        'a.alloc_type',
        'a.interface_id',
        'a.for_allocation',
        's.id as s_id',
        's.name as s_name',
        's.description as s_description',
        's.vlan_id as s_vlan_id',
        's.cidr as s_cidr',
        sql<string | null>`host(s.gateway_ip)`.as('s_gateway_ip'),
        sql<
          string[] | null
        >`(SELECT array_agg(host(d) ORDER BY o) FROM unnest(s.dns_servers) WITH ORDINALITY AS u(d, o))`.as(
          's_dns_servers',
        ),
        's.rdns_mode as s_rdns_mode',
        's.allow_dns as s_allow_dns',
        's.allow_proxy as s_allow_proxy',
        's.managed as s_managed',
        's.active_discovery as s_active_discovery',
        's.disabled_boot_architectures as s_disabled_boot_architectures',
      ])
      .where('a.interface_id', '=', (eb) => eb.fn.any(eb.val(ids)))
      .orderBy('a.id')
      .execute(),
  ]);
  const vlanIds = new Set<number>();
  for (const row of rows) if (row.vlan_id !== null) vlanIds.add(row.vlan_id);
  for (const a of addresses) if (a.s_vlan_id !== null) vlanIds.add(a.s_vlan_id);
  const vlans = vlanIds.size > 0 ? await loadVlanViews(db, [...vlanIds]) : new Map<number, VlanView>();

  const parents = new Map<number, string[]>();
  const children = new Map<number, { id: number; name: string }[]>();
  for (const r of relations) {
    push(parents, r.child_id, r.parent_name);
    push(children, r.parent_id, { id: r.child_id, name: r.child_name });
  }
  const links = new Map<number, LinkView[]>();
  const discovered = new Map<number, DiscoveredView[]>();
  for (const a of addresses) {
    if (a.interface_id === null) continue;
    const vlan = a.s_vlan_id === null ? undefined : vlans.get(a.s_vlan_id);
    const subnet: LinkSubnet | null =
      a.s_id === null || a.s_vlan_id === null || a.s_cidr === null || !vlan
        ? null
        : {
            subnet: {
              id: a.s_id,
              name: a.s_name ?? '',
              description: a.s_description ?? '',
              vlan_id: a.s_vlan_id,
              cidr: a.s_cidr,
              gateway_ip: a.s_gateway_ip,
              dns_servers: a.s_dns_servers ?? [],
              rdns_mode: a.s_rdns_mode ?? 2,
              allow_dns: a.s_allow_dns ?? true,
              allow_proxy: a.s_allow_proxy ?? true,
              managed: a.s_managed ?? true,
              active_discovery: a.s_active_discovery ?? false,
              disabled_boot_architectures: a.s_disabled_boot_architectures ?? [],
            },
            vlan,
          };
    if (a.alloc_type === AllocType.discovered) {
      if (a.ip !== null) push(discovered, a.interface_id, { ip: a.ip, subnet });
      continue;
    }
    push(links, a.interface_id, {
      id: Number(a.id),
      allocType: a.alloc_type,
      ip: a.ip,
      subnet,
      forAllocation: a.for_allocation,
    });
  }

  const byId = new Map(rows.map((r) => [r.id, r]));
  const ownMtu = (row: InterfaceRowView): number => {
    const mtu = row.params['mtu'];
    if (typeof mtu === 'number' && Number.isInteger(mtu) && mtu > 0) return mtu;
    const vlan = row.vlan_id === null ? undefined : vlans.get(row.vlan_id);
    return vlan?.mtu ?? DEFAULT_MTU;
  };
  const effective = new Map<number, number>();
  const effectiveMtu = (id: number, seen: ReadonlySet<number>): number => {
    const known = effective.get(id);
    if (known !== undefined) return known;
    const row = byId.get(id);
    if (!row) return 0;
    let mtu = ownMtu(row);
    for (const child of children.get(id) ?? [])
      if (!seen.has(child.id)) mtu = Math.max(mtu, effectiveMtu(child.id, new Set([...seen, id])));
    effective.set(id, mtu);
    return mtu;
  };

  return rows.map((row) => ({
    ...row,
    vlan: row.vlan_id === null ? null : (vlans.get(row.vlan_id) ?? null),
    parents: (parents.get(row.id) ?? []).sort(),
    children: (children.get(row.id) ?? []).map((c) => c.name).sort(),
    links: links.get(row.id) ?? [],
    discovered: discovered.get(row.id) ?? [],
    effectiveMtu: effectiveMtu(row.id, new Set()),
  }));
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
