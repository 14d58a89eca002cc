import type { Kysely, Transaction } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import { FieldErrors } from './field-errors.js';
import { REQUIRED, given, readMac, type FieldReader } from './interface-fields.js';
import { disconnect, linkSubnet, setDefaultGateway, unlinkSubnet, type LinkDeps } from './interface-links.js';
import {
  checkInterfaceChange,
  findInterfaceNode,
  interfaceNotFound,
  machineNotFound,
  type InterfaceNode,
  type InterfaceOperation,
} from './interface-node.js';
import { loadInterfaceViews, type InterfaceViewWithLinks } from './interface-store.js';
import {
  createInterface,
  deleteInterface,
  macHolder,
  nodeInterfaces,
  updateInterface,
  type CreateKind,
  type NodeInterface,
  type WriteContext,
} from './interface-writes.js';
import type { IpAllocator } from './ip-allocator.js';
import { linkNodeOf, type LinkNode } from './link-changes.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';

export interface InterfaceServiceDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
  readonly networkChanges: NetworkChanges;
  readonly allocator: IpAllocator;
}

/** An interface as the API answers it: with the system_id of its node (its URI names it). */
export interface NodeInterfaceView {
  readonly systemId: string;
  readonly iface: InterfaceViewWithLinks;
}

const machinesOnly: ReadonlySet<InterfaceOperation> = new Set([
  'create bond',
  'create bridge',
  'create VLAN',
]);

const createOperation: Record<CreateKind, InterfaceOperation> = {
  physical: 'create',
  bond: 'create bond',
  bridge: 'create bridge',
  vlan: 'create VLAN',
};

/**
 * The interfaces of machines and devices (MAAS's nodes/{system_id}/interfaces/): read them,
 * create physical, bond, bridge and VLAN ones, update and delete them, link them to subnets
 * and unlink them, choose the default gateway, tag them. Every change runs in one transaction
 * holding the node's row lock (so a node's interface changes, and its deploy, happen one at a
 * time), checks MAAS's permissions and statuses (interface-node.ts), and writes its DHCP/DNS
 * changes to the change stream and an audit event in the same transaction.
 */
export class InterfaceService {
  constructor(private readonly deps: InterfaceServiceDeps) {}

  /** Every interface of the node `systemId` that `user` may see, by id. */
  async list(
    systemId: string,
    user: UserRow,
  ): Promise<{ systemId: string; interfaces: InterfaceViewWithLinks[] }> {
    const node = await findInterfaceNode(this.deps.db, systemId, user);
    return { systemId: node.systemId, interfaces: await this.viewsOf(this.deps.db, node) };
  }

  /** One interface of the node, by id (or name). */
  async get(systemId: string, key: string, user: UserRow): Promise<NodeInterfaceView> {
    const node = await findInterfaceNode(this.deps.db, systemId, user);
    return this.viewOf(this.deps.db, node, key);
  }

  /** create_physical (machines and devices), create_bond, create_bridge, create_vlan (machines only). */
  async create(
    systemId: string,
    kind: CreateKind,
    fields: FieldReader,
    user: UserRow,
  ): Promise<NodeInterfaceView> {
    const mac = readMac(fields, 'mac_address', new FieldErrors());
    try {
      return await this.change(systemId, user, createOperation[kind], undefined, (trx, ctx) =>
        createInterface(trx, ctx, kind, fields),
      );
    } catch (error) {
      // A concurrent create took the MAC between the check and the insert; it has committed
      // (a unique check waits for the other transaction), so the check now names its holder.
      if (isUniqueViolation(error, 'interfaces_physical_mac') && mac !== undefined)
        throw AppError.invalid({
          mac_address: (await macHolder(this.deps.db, mac)) ?? 'This MAC address is already in use.',
        });
      throw error;
    }
  }

  /** PUT: see updateInterface; a deployed machine's interfaces too (name, MAC, link facts). */
  async update(
    systemId: string,
    key: string,
    fields: FieldReader,
    user: UserRow,
  ): Promise<NodeInterfaceView> {
    try {
      return await this.change(systemId, user, 'update interface', key, (trx, ctx, iface) =>
        updateInterface(trx, ctx, iface, fields),
      );
    } catch (error) {
      const mac = readMac(fields, 'mac_address', new FieldErrors());
      if (isUniqueViolation(error, 'interfaces_physical_mac') && mac !== undefined)
        throw AppError.invalid({
          mac_address: (await macHolder(this.deps.db, mac)) ?? 'This MAC address is already in use.',
        });
      throw error;
    }
  }

  /** DELETE: the interface, its orphaned children and their addresses. */
  async delete(systemId: string, key: string, user: UserRow): Promise<void> {
    await this.transaction(async (trx) => {
      const { node, ctx, iface } = await this.locked(trx, systemId, key, user);
      checkInterfaceChange(node, user, 'delete interface');
      if (!user.is_superuser && node.kind === 'machine' && !iface.for_allocation)
        throw new AppError(
          'forbidden',
          `Interface ${iface.name} was not added for this allocation; deleting it requires administrator rights.`,
        );
      const changes = await deleteInterface(trx, ctx, iface);
      await this.finish(trx, node, user, changes, `Deleted interface ${iface.name} from ${node.hostname}.`);
    });
  }

  linkSubnet(systemId: string, key: string, fields: FieldReader, user: UserRow): Promise<NodeInterfaceView> {
    return this.change(systemId, user, 'link subnet', key, async (trx, ctx, iface) => ({
      interfaceId: iface.id,
      changes: await linkSubnet(trx, this.linkDeps(ctx), iface, fields),
      audit: `Linked interface ${iface.name} of ${ctx.node.hostname} to a subnet.`,
    }));
  }

  unlinkSubnet(
    systemId: string,
    key: string,
    fields: FieldReader,
    user: UserRow,
  ): Promise<NodeInterfaceView> {
    return this.change(systemId, user, 'unlink subnet', key, async (trx, ctx, iface) => ({
      interfaceId: iface.id,
      changes: await unlinkSubnet(trx, this.linkDeps(ctx), iface, fields),
      audit: `Unlinked interface ${iface.name} of ${ctx.node.hostname} from a subnet.`,
    }));
  }

  disconnect(systemId: string, key: string, user: UserRow): Promise<NodeInterfaceView> {
    return this.change(systemId, user, 'disconnect', key, async (trx, ctx, iface) => ({
      interfaceId: iface.id,
      changes: await disconnect(trx, this.linkDeps(ctx), iface),
      audit: `Disconnected interface ${iface.name} of ${ctx.node.hostname}.`,
    }));
  }

  setDefaultGateway(
    systemId: string,
    key: string,
    fields: FieldReader,
    user: UserRow,
  ): Promise<NodeInterfaceView> {
    return this.change(systemId, user, 'set default gateway', key, async (trx, ctx, iface) => {
      await setDefaultGateway(trx, ctx.node, iface, fields);
      return {
        interfaceId: iface.id,
        changes: [],
        audit: `Set the default gateway of ${ctx.node.hostname} through ${iface.name}.`,
      };
    });
  }

  /** add_tag / remove_tag. */
  tag(
    systemId: string,
    key: string,
    action: 'add' | 'remove',
    fields: FieldReader,
    user: UserRow,
  ): Promise<NodeInterfaceView> {
    const tag = given(fields, 'tag');
    if (tag === undefined) throw AppError.invalid({ tag: REQUIRED });
    return this.change(systemId, user, 'tag', key, async (trx, ctx, iface) => {
      const row = await trx
        .selectFrom('interfaces')
        .select('tags')
        .where('id', '=', iface.id)
        .executeTakeFirstOrThrow();
      const tags =
        action === 'add' ? [...row.tags.filter((t) => t !== tag), tag] : row.tags.filter((t) => t !== tag);
      await trx
        .updateTable('interfaces')
        .set({ tags, updated: new Date() })
        .where('id', '=', iface.id)
        .execute();
      return {
        interfaceId: iface.id,
        changes: [],
        audit: `${action === 'add' ? 'Added tag' : 'Removed tag'} '${tag}' ${action === 'add' ? 'to' : 'from'} interface ${iface.name} of ${ctx.node.hostname}.`,
      };
    });
  }

  /**
   * One change of one node's interfaces: the node locked, the permission and status checked,
   * the interface found (when `key` names one), the work done, its changes emitted and its
   * audit event recorded, and the interface's view read back, all in one transaction.
   */
  private async change(
    systemId: string,
    user: UserRow,
    operation: InterfaceOperation,
    key: string | undefined,
    work: (
      trx: Transaction<Database>,
      ctx: WriteContext,
      iface: NodeInterface,
    ) => Promise<{ interfaceId: number; changes: readonly NetworkChange[]; audit: string }>,
  ): Promise<NodeInterfaceView> {
    return this.transaction(async (trx) => {
      const node = await findInterfaceNode(trx, systemId, user, { lock: true });
      // Bonds, bridges and VLAN interfaces are made on machines only (MAAS looks up a Machine).
      if (machinesOnly.has(operation) && node.kind !== 'machine') throw machineNotFound();
      const ctx = await this.context(trx, node, user);
      const iface = key === undefined ? undefined : findIn(ctx.interfaces, key);
      if (key !== undefined && !iface) throw interfaceNotFound();
      checkInterfaceChange(node, user, operation, operation === 'update interface' ? ['DEPLOYED'] : []);
      const result = await work(trx, ctx, iface ?? placeholder);
      await this.finish(trx, node, user, result.changes, result.audit);
      return this.viewOf(trx, node, String(result.interfaceId));
    });
  }

  private async locked(
    trx: Transaction<Database>,
    systemId: string,
    key: string,
    user: UserRow,
  ): Promise<{ node: InterfaceNode; ctx: WriteContext; iface: NodeInterface }> {
    const node = await findInterfaceNode(trx, systemId, user, { lock: true });
    const ctx = await this.context(trx, node, user);
    const iface = findIn(ctx.interfaces, key);
    if (!iface) throw interfaceNotFound();
    return { node, ctx, iface };
  }

  private async context(trx: Kysely<Database>, node: InterfaceNode, user: UserRow): Promise<WriteContext> {
    const interfaces = await nodeInterfaces(trx, node);
    const linkNode: LinkNode = (interfaces[0] ? await linkNodeOf(trx, interfaces[0].id) : undefined) ?? {
      hostname: node.hostname,
      domain: await domainName(trx, node.domainId),
    };
    return { node, user, linkNode, interfaces };
  }

  private linkDeps(ctx: WriteContext): LinkDeps {
    return { allocator: this.deps.allocator, node: ctx.node, linkNode: ctx.linkNode, user: ctx.user };
  }

  private async finish(
    trx: Kysely<Database>,
    node: InterfaceNode,
    user: UserRow,
    changes: readonly NetworkChange[],
    audit: string,
  ): Promise<void> {
    await this.deps.networkChanges.emit(trx, changes);
    await this.deps.events.record(
      {
        type: 'AUDIT',
        level: 'AUDIT',
        description: audit,
        username: user.username,
        nodeSystemId: node.systemId,
        nodeHostname: node.hostname,
      },
      trx,
    );
  }

  private viewsOf(db: Kysely<Database>, node: InterfaceNode): Promise<InterfaceViewWithLinks[]> {
    return loadInterfaceViews(
      db,
      node.kind === 'machine' ? { machineIds: [node.id] } : { deviceIds: [node.id] },
    );
  }

  private async viewOf(db: Kysely<Database>, node: InterfaceNode, key: string): Promise<NodeInterfaceView> {
    const iface = findIn(await this.viewsOf(db, node), key);
    if (!iface) throw interfaceNotFound();
    return { systemId: node.systemId, iface };
  }

  private transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.deps.db.transaction().execute(fn);
  }
}

/** An interface by id, else by name (MAAS's get_interface_or_404 takes either). */
function findIn<T extends { id: number; name: string }>(
  interfaces: readonly T[],
  key: string,
): T | undefined {
  const id = /^\d{1,9}$/.test(key) ? Number(key) : undefined;
  return interfaces.find((i) => i.id === id) ?? interfaces.find((i) => i.name === key);
}

/** What `work` gets for an operation on the node rather than one of its interfaces (creates). */
const placeholder: NodeInterface = {
  id: 0,
  name: '',
  type: 'physical',
  mac_address: '',
  vlan_id: null,
  enabled: true,
  params: {},
  for_allocation: false,
  children: [],
  parentIds: [],
};

async function domainName(db: Kysely<Database>, domainId: number): Promise<string> {
  const row = await db.selectFrom('domains').select('name').where('id', '=', domainId).executeTakeFirst();
  return row?.name ?? '';
}
