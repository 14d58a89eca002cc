import type { Kysely } from 'kysely';
import { AppError, statusFromValue, statusLabel, type NodeStatus } from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import { visibleTo } from './machine-filters.js';
import { devicesVisibleTo } from './device-filters.js';

/** The node whose interfaces are read or changed: a machine or a device (MAAS's Node). */
export interface InterfaceNode {
  readonly kind: 'machine' | 'device';
  readonly id: number;
  readonly systemId: string;
  readonly hostname: string;
  readonly domainId: number;
  readonly ownerId: number | null;
  /** A machine's status; undefined for a device. */
  readonly status: NodeStatus | undefined;
}

/** What an interface operation is called in MAAS's messages ("Cannot link subnet interface …"). */
export type InterfaceOperation =
  | 'create'
  | 'create bond'
  | 'create VLAN'
  | 'create bridge'
  | 'update interface'
  | 'delete interface'
  | 'link subnet'
  | 'unlink subnet'
  | 'disconnect'
  | 'set default gateway'
  | 'tag';

/** MAAS's ALLOWED_STATES for changing a machine's interfaces (api/interfaces.py). */
const editable: ReadonlySet<NodeStatus> = new Set(['NEW', 'READY', 'FAILED_TESTING', 'ALLOCATED', 'BROKEN']);

/**
 * What a machine's owner who is not an administrator may do to its interfaces, and in which
 * statuses (Ferrum's class 2: addresses and virtual interfaces for the allocation, collected at
 * release). MAAS lets only administrators change a machine's interfaces.
 */
const ownerMay: Partial<Record<InterfaceOperation, ReadonlySet<NodeStatus>>> = {
  'link subnet': new Set(['ALLOCATED', 'DEPLOYED']),
  'unlink subnet': new Set(['ALLOCATED', 'DEPLOYED']),
  'create VLAN': new Set(['ALLOCATED']),
  'create bridge': new Set(['ALLOCATED']),
  'delete interface': new Set(['ALLOCATED']),
};

export function nodeNotFound(): AppError {
  return new AppError('not_found', 'No Node matches the given query.');
}

export function machineNotFound(): AppError {
  return new AppError('not_found', 'No Machine matches the given query.');
}

export function interfaceNotFound(): AppError {
  return new AppError('not_found', 'No Interface matches the given query.');
}

/**
 * The machine or device `systemId` as `viewer` may see it (a machine they own or nobody owns, a
 * device they own or nobody owns; every node for an administrator), its row locked FOR UPDATE
 * with `lock` so interface changes of one node (and its deploy) are made one at a time. 404 as
 * MAAS's get_node_or_404 otherwise.
 */
export async function findInterfaceNode(
  db: Kysely<Database>,
  systemId: string,
  viewer: UserRow,
  options: { readonly lock?: boolean } = {},
): Promise<InterfaceNode> {
  let machines = db
    .selectFrom('machines')
    .select(['id', 'system_id', 'hostname', 'domain_id', 'owner_id', 'status'])
    .where('system_id', '=', systemId);
  const visibleMachine = visibleTo(viewer);
  if (visibleMachine) machines = machines.where(visibleMachine);
  const machine = await (options.lock ? machines.forUpdate() : machines).executeTakeFirst();
  if (machine)
    return {
      kind: 'machine',
      id: machine.id,
      systemId: machine.system_id,
      hostname: machine.hostname,
      domainId: machine.domain_id,
      ownerId: machine.owner_id,
      status: statusFromValue(machine.status),
    };
  let devices = db
    .selectFrom('devices')
    .select(['id', 'system_id', 'hostname', 'domain_id', 'owner_id'])
    .where('system_id', '=', systemId);
  const visibleDevice = devicesVisibleTo(viewer);
  if (visibleDevice) devices = devices.where(visibleDevice);
  const device = await (options.lock ? devices.forUpdate() : devices).executeTakeFirst();
  if (!device) throw nodeNotFound();
  return {
    kind: 'device',
    id: device.id,
    systemId: device.system_id,
    hostname: device.hostname,
    domainId: device.domain_id,
    ownerId: device.owner_id,
    status: undefined,
  };
}

/** Whether `user` acts as the machine's owner (class 2) rather than as its administrator. */
export function actsAsOwner(node: InterfaceNode, user: UserRow): boolean {
  return node.kind === 'machine' && node.ownerId === user.id;
}

/**
 * Refuses what `user` may not do to `node`'s interfaces, as MAAS does: on a machine an
 * administrator (403 otherwise) while it is New, Ready, Failed testing, Allocated or Broken
 * (409 otherwise; `extra` adds statuses, e.g. Deployed for update) — or, in Ferrum, its owner
 * for the operations of `ownerMay`; on a device its owner or an administrator.
 */
export function checkInterfaceChange(
  node: InterfaceNode,
  user: UserRow,
  operation: InterfaceOperation,
  extra: readonly NodeStatus[] = [],
): void {
  if (node.kind === 'device') {
    if (!user.is_superuser && node.ownerId !== user.id)
      throw new AppError(
        'forbidden',
        `You do not have permission to change the interfaces of device ${node.hostname}.`,
      );
    return;
  }
  const status = node.status ?? 'NEW';
  if (operation === 'tag') {
    if (!user.is_superuser) throw forbidden(node);
    return;
  }
  if (user.is_superuser) {
    if (editable.has(status) || extra.includes(status)) return;
    const owned = ownerMay[operation];
    if (node.ownerId === user.id && owned?.has(status)) return;
    throw stateViolation(operation);
  }
  const owned = ownerMay[operation];
  if (node.ownerId !== user.id || !owned) throw forbidden(node);
  if (!owned.has(status))
    throw new AppError(
      'invalid_transition',
      `Cannot ${operation} interface because the machine is ${statusLabel(status)}; its owner may only while it is ${[
        ...owned,
      ]
        .map((s) => statusLabel(s))
        .join(' or ')}.`,
    );
}

function forbidden(node: InterfaceNode): AppError {
  return new AppError(
    'forbidden',
    `You do not have permission to change the interfaces of machine ${node.hostname}; it requires administrator rights.`,
  );
}

/** MAAS's NodeStateViolation for interface changes (409). */
function stateViolation(operation: InterfaceOperation): AppError {
  return new AppError(
    'invalid_transition',
    `Cannot ${operation} interface because the machine is not New, Ready, Allocated, or Broken.`,
  );
}
