import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import { AllocType, type Database, type UserRow, type VlanRow } from '../db/schema.js';
import { FieldErrors } from './field-errors.js';
import {
  BLANK,
  INVALID_CHOICE,
  REQUIRED,
  given,
  readBool,
  readBondParams,
  readBridgeParams,
  readCommonParams,
  readIds,
  readInt,
  readMac,
  readName,
  readTags,
  type FieldReader,
} from './interface-fields.js';
import { ensureLinkUp } from './interface-links.js';
import { actsAsOwner, type InterfaceNode } from './interface-node.js';
import { linkChanges, lockHeldAddresses, withIp, type LinkNode } from './link-changes.js';
import { parseNetworkId } from './network-lookup.js';
import type { NetworkChange } from './network-changes.js';

/** An interface of the node, as the forms check parents and names against. */
export interface NodeInterface {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly mac_address: string;
  readonly vlan_id: number | null;
  readonly enabled: boolean;
  readonly params: Record<string, unknown>;
  readonly for_allocation: boolean;
  /** The ids and types of its children. */
  readonly children: readonly { id: number; type: string }[];
  readonly parentIds: readonly number[];
}

/** What a write answers: the interface written (its view is read afterwards) and what to emit. */
export interface WriteResult {
  readonly interfaceId: number;
  readonly changes: readonly NetworkChange[];
  readonly audit: string;
}

export interface WriteContext {
  readonly node: InterfaceNode;
  readonly user: UserRow;
  readonly linkNode: LinkNode;
  /** Every interface of the node, with relations (read under the node's lock). */
  readonly interfaces: readonly NodeInterface[];
}

export type CreateKind = 'physical' | 'bond' | 'bridge' | 'vlan';

/** The interfaces of the node `node`, with their relations, for the forms' checks. */
export async function nodeInterfaces(trx: Kysely<Database>, node: InterfaceNode): Promise<NodeInterface[]> {
  const column = node.kind === 'machine' ? 'machine_id' : 'device_id';
  const rows = await trx
    .selectFrom('interfaces')
    .select(['id', 'name', 'type', 'mac_address', 'vlan_id', 'enabled', 'params', 'for_allocation'])
    .where(column, '=', node.id)
    .orderBy('id')
    .execute();
  const ids = rows.map((r) => r.id);
  const relations =
    ids.length === 0
      ? []
      : await trx
          .selectFrom('interface_parents as r')
          .innerJoin('interfaces as c', 'c.id', 'r.child_id')
          .select(['r.child_id', 'r.parent_id', 'c.type as child_type'])
          .where('r.parent_id', 'in', ids)
          .execute();
  return rows.map((r) => ({
    ...r,
    children: relations
      .filter((x) => x.parent_id === r.id)
      .map((x) => ({ id: x.child_id, type: x.child_type })),
    parentIds: relations.filter((x) => x.child_id === r.id).map((x) => x.parent_id),
  }));
}

/** MAAS's messages for parent ids that are not the node's interfaces. */
function pickParents(
  ctx: WriteContext,
  ids: readonly number[],
  errors: FieldErrors,
  field: string,
): NodeInterface[] | undefined {
  const found: NodeInterface[] = [];
  for (const id of ids) {
    const iface = ctx.interfaces.find((i) => i.id === id);
    if (!iface) {
      errors.add(field, `Select a valid choice. ${String(id)} is not one of the available choices.`);
      return undefined;
    }
    found.push(iface);
  }
  return found;
}

async function readVlan(
  trx: Kysely<Database>,
  fields: FieldReader,
  errors: FieldErrors,
): Promise<VlanRow | null | undefined> {
  if (!fields.has('vlan')) return undefined;
  const raw = given(fields, 'vlan');
  if (raw === undefined) return null;
  const id = parseNetworkId(raw);
  const vlan =
    id === undefined
      ? undefined
      : await trx.selectFrom('vlans').selectAll().where('id', '=', id).executeTakeFirst();
  if (!vlan) {
    errors.add('vlan', INVALID_CHOICE);
    return undefined;
  }
  return vlan;
}

function checkNameFree(ctx: WriteContext, name: string, errors: FieldErrors, except?: number): void {
  if (ctx.interfaces.some((i) => i.name === name && i.id !== except))
    errors.add('name', `Node ${ctx.node.hostname} already has an interface named '${name}'.`);
}

/** The holder of a physical interface's MAC, in MAAS's words; undefined when it is free. */
export async function macHolder(
  db: Kysely<Database>,
  mac: string,
  except?: number,
): Promise<string | undefined> {
  const rows = await sql<{ name: string; hostname: string | null }>`
    SELECT i.name, coalesce(m.hostname, d.hostname) AS hostname
    FROM interfaces i LEFT JOIN machines m ON m.id = i.machine_id LEFT JOIN devices d ON d.id = i.device_id
    WHERE i.type = 'physical' AND i.mac_address = ${mac}::macaddr AND i.id <> ${except ?? -1}
    LIMIT 1`.execute(db);
  const row = rows.rows[0];
  return row
    ? `This MAC address is already in use by ${row.name} on ${row.hostname ?? '<unknown-node>'}.`
    : undefined;
}

/** MAAS's get_next_ifname: the first ethN the node does not have. */
function nextIfname(ctx: WriteContext): string {
  for (let n = 0; ; n++) {
    const name = `eth${String(n)}`;
    if (!ctx.interfaces.some((i) => i.name === name)) return name;
  }
}

function checkLinkSpeed(fields: FieldReader, errors: FieldErrors, linkConnected: boolean | undefined): void {
  const speed = readInt(fields, 'link_speed', errors, { min: 0 });
  if (linkConnected === false && speed !== undefined && speed !== 0)
    errors.add('__all__', 'link_speed cannot be set when link_connected is false.');
}

/** create_physical / create_bond / create_bridge / create_vlan, as MAAS's interface forms check them. */
export async function createInterface(
  trx: Kysely<Database>,
  ctx: WriteContext,
  kind: CreateKind,
  fields: FieldReader,
): Promise<WriteResult> {
  const errors = new FieldErrors();
  const tags = readTags(fields) ?? [];
  const common = readCommonParams(fields, errors);
  const linkConnected = readBool(fields, 'link_connected', errors);
  checkLinkSpeed(fields, errors, linkConnected);
  const interfaceSpeed = readInt(fields, 'interface_speed', errors, { min: 0 });
  const linkSpeed = readInt(fields, 'link_speed', new FieldErrors(), { min: 0 });
  let vlan = await readVlan(trx, fields, errors);
  let name = readName(fields, errors);
  let mac = readMac(fields, 'mac_address', errors);
  const parentField = kind === 'bond' ? 'parents' : 'parent';
  const parentIds = readIds(
    fields,
    kind === 'bond' ? 'parents' : fields.has('parent') ? 'parent' : 'parents',
    errors,
  );
  const parents = parentIds ? pickParents(ctx, parentIds, errors, parentField) : [];
  let params: Record<string, unknown> = { ...common.set };
  let enabled = true;
  const allocated = ctx.node.status === 'ALLOCATED';
  let forAllocation = false;
  let moveLinksFrom: NodeInterface | undefined;

  switch (kind) {
    case 'physical': {
      enabled = readBool(fields, 'enabled', errors) ?? true;
      if (mac === undefined && !errors.has('mac_address')) errors.add('mac_address', REQUIRED);
      if (parents && parents.length > 0) errors.add('parents', 'A physical interface cannot have parents.');
      if (name !== undefined) checkNameFree(ctx, name, errors);
      else if (!errors.has('name')) name = nextIfname(ctx);
      if (mac !== undefined) {
        const holder = await macHolder(trx, mac);
        if (holder) errors.add('mac_address', holder);
      }
      break;
    }
    case 'bond': {
      if (name === undefined && !errors.has('name')) errors.add('name', REQUIRED);
      params = { ...params, ...readBondParams(fields, errors, true) };
      if (parents && !errors.has('parents')) {
        if (parents.length < 1) errors.add('parents', 'A bond interface must have one or more parents.');
        else {
          mac ??= errors.has('mac_address') ? undefined : parents[0]?.mac_address;
          inUse(parents, errors, 'parents', () => true);
          if (vlan === undefined && !errors.has('vlan'))
            vlan = await vlanById(trx, parents[0]?.vlan_id ?? null);
          if (parents.some((p) => p.vlan_id !== (vlan?.id ?? null)))
            errors.add('parents', 'All parents must belong to the same VLAN.');
        }
      } else if (!parents || parents.length === 0) {
        if (!errors.has('parents')) errors.add('parents', 'A bond interface must have one or more parents.');
      }
      if (mac === undefined && !errors.has('mac_address')) errors.add('mac_address', BLANK);
      if (name !== undefined) checkNameFree(ctx, name, errors);
      forAllocation = allocated && actsAsOwner(ctx.node, ctx.user);
      break;
    }
    case 'bridge': {
      if (name === undefined && !errors.has('name')) errors.add('name', REQUIRED);
      params = { ...params, ...readBridgeParams(fields, errors, true) };
      const parent = parents?.length === 1 ? parents[0] : undefined;
      if (!errors.has('parent')) {
        if (!parent) errors.add('parent', 'A bridge interface must have exactly one parent.');
        else if (parent.type === 'bridge')
          errors.add('parent', "A bridge interface can't have another bridge interface as parent.");
        else if (parent.children.some((c) => c.type === 'bond' || c.type === 'bridge'))
          errors.add(
            'parent',
            "A bridge interface can't have a parent that is already in a bond or a bridge.",
          );
        else inUse([parent], errors, 'parent', (c) => c.type !== 'vlan');
      }
      if (parent) {
        mac ??= errors.has('mac_address') ? undefined : parent.mac_address;
        // MAAS's AcquiredBridgeInterfaceForm: on an allocated machine the bridge takes its
        // parent's VLAN and links, and goes at release.
        if (allocated) {
          vlan = await vlanById(trx, parent.vlan_id);
          moveLinksFrom = parent;
          forAllocation = true;
        } else if (vlan === undefined && !errors.has('vlan')) vlan = await vlanById(trx, parent.vlan_id);
      }
      if (mac === undefined && !errors.has('mac_address')) errors.add('mac_address', BLANK);
      if (name !== undefined) checkNameFree(ctx, name, errors);
      break;
    }
    case 'vlan': {
      const parent = parents?.length === 1 ? parents[0] : undefined;
      if (!errors.has('parent')) {
        if (!parent) errors.add('parent', 'A VLAN interface must have exactly one parent.');
        else if (parent.type === 'vlan')
          errors.add('parent', "A VLAN interface can't have another VLAN interface as parent.");
        else if (parent.children.some((c) => c.type === 'bond'))
          errors.add('parent', "A VLAN interface can't have a parent that is already in a bond.");
      }
      if (!errors.has('vlan')) {
        if (!vlan) errors.add('vlan', 'A VLAN interface must be connected to a tagged VLAN.');
        else if (vlan.vid === 0) errors.add('vlan', 'A VLAN interface can only belong to a tagged VLAN.');
      }
      if (parent && vlan && vlan.vid !== 0 && !errors.has('parent')) {
        const parentVlan = await vlanById(trx, parent.vlan_id);
        if (!parentVlan || parentVlan.fabric_id !== vlan.fabric_id)
          errors.add(
            'vlan',
            'A VLAN interface can only belong to a tagged VLAN on the same fabric as its parent interface.',
          );
        name = `${parent.name}.${String(vlan.vid)}`;
        checkNameFree(ctx, name, errors);
      }
      mac = parent?.mac_address;
      forAllocation = allocated && actsAsOwner(ctx.node, ctx.user);
      break;
    }
  }
  errors.throwIfAny();
  if (name === undefined || mac === undefined)
    throw new AppError('internal', 'interface form checked without a name or MAC');

  const inserted = await trx
    .insertInto('interfaces')
    .values({
      machine_id: ctx.node.kind === 'machine' ? ctx.node.id : null,
      device_id: ctx.node.kind === 'device' ? ctx.node.id : null,
      name,
      type: kind,
      mac_address: mac,
      enabled,
      tags,
      vendor: null,
      product: null,
      firmware_version: null,
      vlan_id: vlan?.id ?? null,
      params: JSON.stringify(params),
      for_allocation: forAllocation,
      ...(linkConnected !== undefined ? { link_connected: linkConnected } : {}),
      ...(interfaceSpeed !== undefined ? { interface_speed: interfaceSpeed } : {}),
      ...(linkSpeed !== undefined ? { link_speed: linkSpeed } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (parents && parents.length > 0)
    await trx
      .insertInto('interface_parents')
      .values(parents.map((p) => ({ child_id: inserted.id, parent_id: p.id })))
      .execute();
  if (moveLinksFrom)
    await trx
      .updateTable('ip_addresses')
      .set({ interface_id: inserted.id, updated: new Date() })
      .where('interface_id', '=', moveLinksFrom.id)
      .where('alloc_type', '<>', AllocType.discovered)
      .execute();
  await ensureLinkUp(trx, inserted.id, forAllocation);
  return {
    interfaceId: inserted.id,
    changes: [],
    audit: `Created ${kind === 'vlan' ? 'VLAN' : kind} interface ${name} on ${ctx.node.hostname}.`,
  };
}

/** Records interfaces already in a relationship with another child (MAAS's validate_parental_fidelity). */
function inUse(
  parents: readonly NodeInterface[],
  errors: FieldErrors,
  field: string,
  counts: (child: { id: number; type: string }) => boolean,
): void {
  const taken = parents.filter((p) => p.children.some(counts)).map((p) => p.name);
  if (taken.length > 0) errors.add(field, `Interfaces already in-use: ${taken.sort().join(', ')}.`);
}

async function vlanById(trx: Kysely<Database>, id: number | null): Promise<VlanRow | null> {
  if (id === null) return null;
  return (await trx.selectFrom('vlans').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * PUT nodes/{system_id}/interfaces/{id}/ (MAAS's interface forms by type; DeployedInterfaceForm
 * on a deployed machine: name, MAC and link facts only). Leaving a VLAN drops the links on
 * subnets of the old one (their DHCP/DNS entries go).
 */
export async function updateInterface(
  trx: Kysely<Database>,
  ctx: WriteContext,
  iface: NodeInterface,
  fields: FieldReader,
): Promise<WriteResult> {
  const errors = new FieldErrors();
  const deployed = ctx.node.status === 'DEPLOYED';
  const set: Record<string, unknown> = {};
  const linkConnected = readBool(fields, 'link_connected', errors);
  checkLinkSpeed(fields, errors, linkConnected ?? undefined);
  if (linkConnected !== undefined) set['link_connected'] = linkConnected;
  const interfaceSpeed = readInt(fields, 'interface_speed', errors, { min: 0 });
  if (interfaceSpeed !== undefined) set['interface_speed'] = interfaceSpeed;
  const linkSpeed = readInt(fields, 'link_speed', new FieldErrors(), { min: 0 });
  if (linkSpeed !== undefined) set['link_speed'] = linkSpeed;
  const named = iface.type !== 'vlan';
  if (named || deployed) {
    const name = readName(fields, errors);
    if (name !== undefined) {
      checkNameFree(ctx, name, errors, iface.id);
      set['name'] = name;
    }
    const mac = readMac(fields, 'mac_address', errors);
    if (mac !== undefined) {
      if (iface.type === 'physical') {
        const holder = await macHolder(trx, mac, iface.id);
        if (holder) errors.add('mac_address', holder);
      }
      set['mac_address'] = mac;
    }
  }
  let newVlan: VlanRow | null | undefined;
  let newParents: NodeInterface[] | undefined;
  if (!deployed) {
    const tags = readTags(fields);
    if (tags !== undefined) set['tags'] = tags;
    if (iface.type === 'physical') {
      const enabled = readBool(fields, 'enabled', errors);
      if (enabled !== undefined) set['enabled'] = enabled;
    }
    newVlan = await readVlan(trx, fields, errors);
    const common = readCommonParams(fields, errors);
    const params: Record<string, unknown> = { ...iface.params, ...common.set };
    for (const key of common.unset) Reflect.deleteProperty(params, key);
    if (iface.type === 'bond') Object.assign(params, readBondParams(fields, errors, false));
    if (iface.type === 'bridge') Object.assign(params, readBridgeParams(fields, errors, false));
    set['params'] = JSON.stringify(params);
    const parentKey = iface.type === 'bond' ? 'parents' : fields.has('parent') ? 'parent' : 'parents';
    const field = iface.type === 'bond' ? 'parents' : 'parent';
    const ids = iface.type === 'physical' ? undefined : readIds(fields, parentKey, errors);
    if (ids !== undefined) {
      newParents = pickParents(
        ctx,
        ids.filter((id) => id !== iface.id),
        errors,
        field,
      );
      if (newParents) {
        if (iface.type === 'bond' && newParents.length < 1)
          errors.add(field, 'A bond interface must have one or more parents.');
        if (iface.type !== 'bond' && newParents.length !== 1)
          errors.add(
            field,
            `A ${iface.type === 'vlan' ? 'VLAN' : 'bridge'} interface must have exactly one parent.`,
          );
      }
    }
    if (iface.type === 'vlan') {
      const vlan = newVlan === undefined ? await vlanById(trx, iface.vlan_id) : newVlan;
      const parent = newParents?.[0] ?? ctx.interfaces.find((i) => i.id === iface.parentIds[0]);
      if (!vlan) errors.add('vlan', 'A VLAN interface must be connected to a tagged VLAN.');
      else if (vlan.vid === 0) errors.add('vlan', 'A VLAN interface can only belong to a tagged VLAN.');
      else if (parent) {
        const parentVlan = await vlanById(trx, parent.vlan_id);
        if (!parentVlan || parentVlan.fabric_id !== vlan.fabric_id)
          errors.add(
            'vlan',
            'A VLAN interface can only belong to a tagged VLAN on the same fabric as its parent interface.',
          );
        const name = `${parent.name}.${String(vlan.vid)}`;
        checkNameFree(ctx, name, errors, iface.id);
        set['name'] = name;
        set['mac_address'] = parent.mac_address;
      }
    }
  }
  errors.throwIfAny();
  const changes: NetworkChange[] = [];
  if (newVlan !== undefined && (newVlan?.id ?? null) !== iface.vlan_id) {
    set['vlan_id'] = newVlan?.id ?? null;
    // The links on subnets of the VLAN it leaves cannot stay (MAAS moves the interface's links
    // with its VLAN only through link_subnet).
    const held = await lockHeldAddresses(trx, [iface.id]);
    const gone = held.filter((h) => h.subnet_id !== null && h.vlan_id !== (newVlan?.id ?? null));
    if (gone.length > 0) {
      await trx
        .deleteFrom('ip_addresses')
        .where(
          'id',
          'in',
          gone.map((g) => g.id),
        )
        .execute();
      changes.push(...linkChanges('remove', ctx.linkNode, withIp(gone)));
    }
  }
  if (Object.keys(set).length > 0)
    await trx
      .updateTable('interfaces')
      .set({ ...set, updated: new Date() })
      .where('id', '=', iface.id)
      .execute();
  if (newParents) {
    await trx.deleteFrom('interface_parents').where('child_id', '=', iface.id).execute();
    if (newParents.length > 0)
      await trx
        .insertInto('interface_parents')
        .values(newParents.map((p) => ({ child_id: iface.id, parent_id: p.id })))
        .execute();
  }
  if (set['vlan_id'] !== undefined && iface.enabled) await ensureLinkUp(trx, iface.id, iface.for_allocation);
  return {
    interfaceId: iface.id,
    changes,
    audit: `Updated interface ${iface.name} on ${ctx.node.hostname}.`,
  };
}

/**
 * DELETE: the interface, the children left without a parent (MAAS's
 * delete_children_interface_handler) and the addresses of each, their DHCP/DNS entries with them.
 */
export function deleteInterface(
  trx: Kysely<Database>,
  ctx: Pick<WriteContext, 'interfaces' | 'linkNode'>,
  iface: NodeInterface,
): Promise<NetworkChange[]> {
  return deleteInterfaces(trx, ctx, [iface]);
}

/** `deleteInterface` for several at once: a child goes when all its parents are among them. */
export async function deleteInterfaces(
  trx: Kysely<Database>,
  ctx: Pick<WriteContext, 'interfaces' | 'linkNode'>,
  ifaces: readonly NodeInterface[],
): Promise<NetworkChange[]> {
  const doomed = new Set<number>(ifaces.map((i) => i.id));
  for (let grew = true; grew;) {
    grew = false;
    for (const i of ctx.interfaces)
      if (!doomed.has(i.id) && i.parentIds.length > 0 && i.parentIds.every((p) => doomed.has(p))) {
        doomed.add(i.id);
        grew = true;
      }
  }
  const held = await lockHeldAddresses(trx, [...doomed]);
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
    .deleteFrom('interfaces')
    .where('id', 'in', [...doomed])
    .execute();
  return linkChanges('remove', ctx.linkNode, withIp(held));
}
