import { sql, type Kysely } from 'kysely';
import { AppError, cidrContains, invalidChoice, parseIp, formatIp } from '@ferrum/domain';
import { AllocType, type Database, type SubnetRow, type UserRow } from '../db/schema.js';
import { FieldErrors } from './field-errors.js';
import { given, readBool, INVALID_CHOICE, REQUIRED, type FieldReader } from './interface-fields.js';
import { actsAsOwner, type InterfaceNode } from './interface-node.js';
import type { IpAllocator } from './ip-allocator.js';
import { linkChanges, lockHeldAddresses, withIp, type HeldAddress, type LinkNode } from './link-changes.js';
import { findSubnet } from './network-lookup.js';
import type { NetworkChange } from './network-changes.js';
import { subnetCidr } from './subnet-usage-source.js';

/** The interface being linked, as its row says (locked with its node). */
export interface LinkedInterface {
  readonly id: number;
  readonly name: string;
  readonly vlan_id: number | null;
  readonly enabled: boolean;
}

export type Mode = 'auto' | 'dhcp' | 'static' | 'link_up';
const allModes: readonly Mode[] = ['auto', 'dhcp', 'static', 'link_up'];

/** What a link change needs besides the transaction. */
export interface LinkDeps {
  readonly allocator: IpAllocator;
  readonly node: InterfaceNode;
  readonly linkNode: LinkNode;
  readonly user: UserRow;
}

const modeOf = (h: Pick<HeldAddress, 'alloc_type' | 'ip'>): Mode | 'discovered' =>
  h.alloc_type === AllocType.discovered
    ? 'discovered'
    : h.alloc_type === AllocType.auto
      ? 'auto'
      : h.alloc_type === AllocType.dhcp
        ? 'dhcp'
        : h.alloc_type === AllocType.sticky && h.ip === null
          ? 'link_up'
          : 'static';

/** MAAS's str(subnet), as its link form messages name a subnet. */
function subnetName(subnet: SubnetRow, vid: number): string {
  return `${subnet.name}:${subnet.cidr}(vid=${String(vid)})`;
}

/**
 * link_subnet (MAAS's InterfaceLinkForm and Interface.link_subnet), in `trx`: checks the
 * fields as the form does (every problem at once, 400), then adds the link — replacing the
 * DHCP link of the same family and any LINK_UP one as MAAS does, clearing every link first for
 * LINK_UP or `force` — moves the interface onto the subnet's VLAN when it has none (or with
 * `force`), picks or checks a STATIC address with the allocator under the subnet's lock, and
 * sets the node's default gateway when asked. Returns the DHCP/DNS changes to emit.
 */
export async function linkSubnet(
  trx: Kysely<Database>,
  deps: LinkDeps,
  iface: LinkedInterface,
  fields: FieldReader,
): Promise<NetworkChange[]> {
  const { node, user } = deps;
  const errors = new FieldErrors();
  const bond = await trx
    .selectFrom('interface_parents as r')
    .innerJoin('interfaces as c', 'c.id', 'r.child_id')
    .select('c.name')
    .where('r.parent_id', '=', iface.id)
    .where('c.type', '=', 'bond')
    .executeTakeFirst();
  if (bond)
    errors.add('bond', `Cannot link interface(${iface.name}) when interface is in a bond(${bond.name}).`);
  const force = readBool(fields, 'force', errors) ?? false;
  // Devices can only be given static addresses (MAAS); a deployed machine's AUTO link would
  // never get its address, so its owner links STATIC (or DHCP, LINK_UP) instead.
  const allowed: readonly Mode[] =
    node.kind === 'device'
      ? ['static']
      : node.status === 'DEPLOYED'
        ? allModes.filter((m) => m !== 'auto')
        : allModes;
  const rawMode = given(fields, 'mode')?.toLowerCase();
  let mode: Mode | undefined;
  if (rawMode === undefined) errors.add('mode', REQUIRED);
  else if (!allowed.includes(rawMode as Mode)) errors.add('mode', invalidChoice(rawMode, 'mode', allowed));
  else mode = rawMode as Mode;

  let subnet: SubnetRow | undefined;
  const subnetKey = given(fields, 'subnet');
  if (subnetKey !== undefined) {
    subnet = await findSubnet(trx, subnetKey).catch(() => undefined);
    // MAAS offers only the subnets of the interface's VLAN, unless it has none or with force.
    if (!subnet || (iface.vlan_id !== null && !force && subnet.vlan_id !== iface.vlan_id)) {
      errors.add('subnet', INVALID_CHOICE);
      subnet = undefined;
    }
  }
  let ip: string | undefined;
  const rawIp = given(fields, 'ip_address');
  if (rawIp !== undefined) {
    const parsed = parseIp(rawIp);
    if (!parsed) errors.add('ip_address', 'Enter a valid IPv4 or IPv6 address.');
    else ip = formatIp(parsed);
  }
  const defaultGateway = readBool(fields, 'default_gateway', errors) ?? false;

  const held = await lockHeldAddresses(trx, [iface.id]);
  const links = held.filter((h) => h.alloc_type !== AllocType.discovered);
  const family = subnet ? familyOf(subnet) : undefined;
  const vid = subnet ? await vidOf(trx, subnet.vlan_id) : 0;
  if (mode === 'auto' && !subnet && !errors.has('subnet')) errors.add('subnet', REQUIRED);
  if (mode === 'dhcp') {
    const dhcp = links.find((h) => modeOf(h) === 'dhcp');
    if (dhcp) {
      const on = dhcp.subnet_id === null ? undefined : await subnetById(trx, dhcp.subnet_id);
      errors.add(
        'mode',
        on
          ? `Interface is already set to DHCP from '${subnetName(on, await vidOf(trx, on.vlan_id))}'.`
          : 'Interface is already set to DHCP.',
      );
    }
  }
  if (mode === 'static') {
    if (!subnet) {
      if (!errors.has('subnet')) errors.add('subnet', REQUIRED);
    } else if (ip !== undefined) {
      const parsed = parseIp(ip);
      if (parsed && !cidrContains(subnetCidr(subnet), parsed))
        errors.add('ip_address', `IP address is not in the given subnet '${subnetName(subnet, vid)}'.`);
      const range = await dynamicRangeOf(trx, subnet.id, ip);
      if (range)
        errors.add('ip_address', `IP address is inside a dynamic range ${range.start} to ${range.end}.`);
    }
  }
  if (
    mode === 'link_up' &&
    !force &&
    links.some((h) => !(h.alloc_type === AllocType.sticky && h.ip === null))
  )
    errors.add(
      'mode',
      'Cannot configure interface to link up (with no IP address) while other links are already configured. Specify force=True to override this behavior and delete all links.',
    );
  if (defaultGateway) {
    if (mode !== undefined && mode !== 'auto' && mode !== 'static')
      errors.add('default_gateway', `Cannot use in mode '${mode}'.`);
    else if (!subnet) errors.add('default_gateway', 'Subnet is required when default_gateway is True.');
    else if (!subnet.gateway_ip)
      errors.add(
        'default_gateway',
        `Cannot set as default gateway because subnet ${subnetName(subnet, vid)} doesn't provide a gateway IP address.`,
      );
  }
  errors.throwIfAny();
  if (mode === undefined) return [];

  // Class 2: what the machine's owner links while it is allocated goes at release; an
  // administrator's AUTO link is the machine's own addressing (class 1) and stays.
  const forAllocation =
    actsAsOwner(node, user) &&
    (node.status === 'ALLOCATED' || node.status === 'DEPLOYED') &&
    !(mode === 'auto' && user.is_superuser);

  const removed: HeldAddress[] = [];
  const remove = (rows: readonly HeldAddress[]) => {
    // A LINK_UP link is a placeholder any link replaces (release brings it back).
    if (!user.is_superuser && rows.some((r) => !r.for_allocation && modeOf(r) !== 'link_up'))
      throw new AppError(
        'forbidden',
        `Linking would remove links of ${iface.name} that were not made for this allocation; that requires administrator rights.`,
      );
    removed.push(...rows.filter((r) => !removed.includes(r)));
  };
  if (mode === 'link_up' || force) remove(links);
  // MAAS's _remove_link_dhcp(family) and _remove_link_up, whichever the mode.
  remove(
    links.filter(
      (h) => modeOf(h) === 'dhcp' && (family === undefined || h.subnet_id === null || h.family === family),
    ),
  );
  remove(links.filter((h) => modeOf(h) === 'link_up'));
  if (removed.length > 0)
    await trx
      .deleteFrom('ip_addresses')
      .where(
        'id',
        'in',
        removed.map((r) => r.id),
      )
      .execute();
  if (subnet && (iface.vlan_id === null || force) && iface.vlan_id !== subnet.vlan_id)
    await trx
      .updateTable('interfaces')
      .set({ vlan_id: subnet.vlan_id, updated: new Date() })
      .where('id', '=', iface.id)
      .execute();

  const changes = linkChanges('remove', deps.linkNode, withIp(removed));
  const row = { interface_id: iface.id, for_allocation: forAllocation };
  let linkId: string;
  if (mode === 'static' && subnet) {
    const target = subnet;
    const { ip: assigned, result } = await deps.allocator.claim(
      trx,
      { subnetId: target.id, ip },
      (candidate) =>
        trx
          .insertInto('ip_addresses')
          .values({ ...row, ip: candidate, subnet_id: target.id, alloc_type: AllocType.sticky })
          .returning(sql<string>`id::text`.as('id'))
          .executeTakeFirstOrThrow(),
    );
    linkId = result.id;
    const mac = await macOf(trx, iface.id);
    changes.push(
      ...linkChanges('upsert', deps.linkNode, [
        { ip: assigned, allocType: AllocType.sticky, subnetId: target.id, vlanId: target.vlan_id, mac },
      ]),
    );
  } else {
    const inserted = await trx
      .insertInto('ip_addresses')
      .values({
        ...row,
        ip: null,
        subnet_id: subnet?.id ?? null,
        alloc_type: mode === 'auto' ? AllocType.auto : mode === 'dhcp' ? AllocType.dhcp : AllocType.sticky,
      })
      .returning(sql<string>`id::text`.as('id'))
      .executeTakeFirstOrThrow();
    linkId = inserted.id;
  }
  if (defaultGateway && subnet) await setGateway(trx, node, familyOf(subnet), linkId);
  return changes;
}

/**
 * unlink_subnet (MAAS's InterfaceUnlinkForm): the link `id` of the interface goes; an enabled
 * interface left without links gets a LINK_UP one (MAAS's ensure_link_up). The machine's owner
 * who is not an administrator unlinks only what was linked for the allocation.
 */
export async function unlinkSubnet(
  trx: Kysely<Database>,
  deps: LinkDeps,
  iface: LinkedInterface,
  fields: FieldReader,
): Promise<NetworkChange[]> {
  const held = await lockHeldAddresses(trx, [iface.id]);
  const raw = given(fields, 'id');
  if (raw === undefined) throw AppError.invalid({ id: REQUIRED });
  const link = held.find((h) => h.id === raw);
  if (!link)
    throw AppError.invalid({
      id: invalidChoice(
        raw,
        'id',
        held.map((h) => h.id),
      ),
    });
  if (!deps.user.is_superuser && deps.node.kind === 'machine' && !link.for_allocation)
    throw new AppError(
      'forbidden',
      `Link ${link.id} of ${iface.name} was not made for this allocation; removing it requires administrator rights.`,
    );
  await trx.deleteFrom('ip_addresses').where('id', '=', link.id).execute();
  if (iface.enabled) await ensureLinkUp(trx, iface.id, link.for_allocation);
  return linkChanges('remove', deps.linkNode, withIp([link]));
}

/** disconnect: every address of the interface goes (observations too) and it leaves its VLAN. */
export async function disconnect(
  trx: Kysely<Database>,
  deps: LinkDeps,
  iface: LinkedInterface,
): Promise<NetworkChange[]> {
  const held = await lockHeldAddresses(trx, [iface.id]);
  if (held.length > 0)
    await trx
      .deleteFrom('ip_addresses')
      .where(
        'id',
        'in',
        held.map((h) => h.id),
      )
      .execute();
  await trx
    .updateTable('interfaces')
    .set({ vlan_id: null, updated: new Date() })
    .where('id', '=', iface.id)
    .execute();
  return linkChanges('remove', deps.linkNode, withIp(held));
}

/**
 * set_default_gateway (MAAS's InterfaceSetDefaultGatwayForm): the node's default route per
 * family goes through the link `link_id`, or, without one, through the interface's only
 * usable gateway of each family.
 */
export async function setDefaultGateway(
  trx: Kysely<Database>,
  node: InterfaceNode,
  iface: LinkedInterface,
  fields: FieldReader,
): Promise<void> {
  const usable = await sql<{ id: string; gateway: string }>`
    SELECT a.id::text AS id, host(s.gateway_ip) AS gateway
    FROM ip_addresses a JOIN subnets s ON s.id = a.subnet_id
    WHERE a.interface_id = ${iface.id} AND a.alloc_type IN (0, 1, 5) AND s.gateway_ip IS NOT NULL
    ORDER BY a.id`.execute(trx);
  const links = usable.rows;
  if (links.length === 0) throw AppError.invalid({ __all__: 'This interface has no usable gateways.' });
  const raw = given(fields, 'link_id');
  const v6 = (gateway: string) => gateway.includes(':');
  if (raw !== undefined) {
    const link = links.find((l) => l.id === raw);
    if (!link)
      throw AppError.invalid({
        link_id: invalidChoice(
          raw,
          'link_id',
          links.map((l) => l.id),
        ),
      });
    await setGateway(trx, node, v6(link.gateway) ? 6 : 4, link.id);
    return;
  }
  const tooMany = [4, 6].filter(
    (f) => new Set(links.filter((l) => (v6(l.gateway) ? 6 : 4) === f).map((l) => l.gateway)).size > 1,
  );
  if (tooMany.length > 0)
    throw AppError.invalid({
      link_id: `This field is required; Interface has more than one usable ${tooMany.map((f) => `IPv${String(f)}`).join(' and ')} gateway${tooMany.length > 1 ? 's' : ''}.`,
    });
  for (const f of [4, 6] as const) {
    const first = links.find((l) => (v6(l.gateway) ? 6 : 4) === f);
    if (first) await setGateway(trx, node, f, first.id);
  }
}

/** MAAS's ensure_link_up: an interface with no links (observations aside) gets a LINK_UP one. */
export async function ensureLinkUp(
  trx: Kysely<Database>,
  interfaceId: number,
  forAllocation: boolean,
): Promise<void> {
  const any = await trx
    .selectFrom('ip_addresses')
    .select('id')
    .where('interface_id', '=', interfaceId)
    .where('alloc_type', '<>', AllocType.discovered)
    .limit(1)
    .executeTakeFirst();
  if (any) return;
  const observed = await trx
    .selectFrom('ip_addresses')
    .select('subnet_id')
    .where('interface_id', '=', interfaceId)
    .where('alloc_type', '=', AllocType.discovered)
    .where('subnet_id', 'is not', null)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  await trx
    .insertInto('ip_addresses')
    .values({
      interface_id: interfaceId,
      alloc_type: AllocType.sticky,
      ip: null,
      subnet_id: observed?.subnet_id ?? null,
      for_allocation: forAllocation,
    })
    .execute();
}

async function setGateway(
  trx: Kysely<Database>,
  node: InterfaceNode,
  family: 4 | 6,
  linkId: string,
): Promise<void> {
  const column = family === 4 ? 'gateway_link_ipv4_id' : 'gateway_link_ipv6_id';
  const table = node.kind === 'machine' ? 'machines' : 'devices';
  await trx
    .updateTable(table)
    .set({ [column]: linkId, updated: new Date() })
    .where('id', '=', node.id)
    .execute();
}

function familyOf(subnet: Pick<SubnetRow, 'cidr'>): 4 | 6 {
  return subnet.cidr.includes(':') ? 6 : 4;
}

async function subnetById(trx: Kysely<Database>, id: number): Promise<SubnetRow | undefined> {
  return trx.selectFrom('subnets').selectAll().where('id', '=', id).executeTakeFirst();
}

async function vidOf(trx: Kysely<Database>, vlanId: number): Promise<number> {
  const vlan = await trx.selectFrom('vlans').select('vid').where('id', '=', vlanId).executeTakeFirst();
  return vlan?.vid ?? 0;
}

async function macOf(trx: Kysely<Database>, interfaceId: number): Promise<string> {
  const row = await sql<{
    mac: string;
  }>`SELECT mac_address::text AS mac FROM interfaces WHERE id = ${interfaceId}`.execute(trx);
  return row.rows[0]?.mac ?? '';
}

async function dynamicRangeOf(
  trx: Kysely<Database>,
  subnetId: number,
  ip: string,
): Promise<{ start: string; end: string } | undefined> {
  const rows = await sql<{ start: string; end: string }>`
    SELECT host(start_ip) AS start, host(end_ip) AS "end" FROM ip_ranges
    WHERE subnet_id = ${subnetId} AND type = 'dynamic' AND ${ip}::inet BETWEEN start_ip AND end_ip
    LIMIT 1`.execute(trx);
  return rows.rows[0];
}
