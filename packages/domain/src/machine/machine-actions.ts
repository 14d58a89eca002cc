import { AppError } from '../app-error.js';
import { allNodeStatuses, statusLabel, type NodeStatus } from './node-status.js';
import { monitoredStatuses } from './status-transitions.js';

/** What an actor needs to run an action: to see it, to use it as its owner, admin rights, or lock rights. */
export type ActionPermission = 'edit' | 'admin' | 'lock';

export interface ActionRule {
  /** MAAS's word for the action in messages ("commission", "acquire", …). */
  readonly verb: string;
  readonly allowedFrom: readonly NodeStatus[];
  readonly permission: ActionPermission;
  /** The status the action moves the machine to, when it always moves it to one status. */
  readonly target?: NodeStatus;
  /** A locked machine refuses it (MAAS: a lock keeps a machine from being released, redeployed or changed). */
  readonly refusedWhenLocked?: true;
}

const failed: readonly NodeStatus[] = allNodeStatuses.filter((s) => s.startsWith('FAILED_'));
const notMonitored = allNodeStatuses.filter((s) => !monitoredStatuses.includes(s));

/**
 * Machine actions, the statuses each may start from and the permission it needs
 * (MAAS node_action.py). The API's machine operations all go through this table.
 */
export const machineActions = {
  commission: {
    verb: 'commission',
    allowedFrom: ['NEW', 'FAILED_COMMISSIONING', 'READY', 'BROKEN'],
    permission: 'admin',
    target: 'COMMISSIONING',
    refusedWhenLocked: true,
  },
  test: {
    verb: 'test',
    allowedFrom: [
      'FAILED_COMMISSIONING',
      'NEW',
      'READY',
      'RESERVED',
      'ALLOCATED',
      'FAILED_DEPLOYMENT',
      'DEPLOYED',
      'MISSING',
      'RETIRED',
      'BROKEN',
      'RESCUE_MODE',
      'FAILED_RELEASING',
      'FAILED_DISK_ERASING',
      'FAILED_ENTERING_RESCUE_MODE',
      'FAILED_EXITING_RESCUE_MODE',
      'FAILED_TESTING',
    ],
    permission: 'admin',
    target: 'TESTING',
    refusedWhenLocked: true,
  },
  abort: {
    verb: 'abort',
    allowedFrom: ['COMMISSIONING', 'DISK_ERASING', 'DEPLOYING', 'TESTING'],
    permission: 'admin',
  },
  acquire: { verb: 'acquire', allowedFrom: ['READY'], permission: 'edit', target: 'ALLOCATED' },
  deploy: {
    verb: 'deploy',
    allowedFrom: ['READY', 'ALLOCATED'],
    permission: 'edit',
    target: 'DEPLOYING',
    refusedWhenLocked: true,
  },
  on: {
    verb: 'power on',
    allowedFrom: ['DEPLOYING', 'DEPLOYED', 'BROKEN'],
    permission: 'edit',
    refusedWhenLocked: true,
  },
  off: { verb: 'power off', allowedFrom: notMonitored, permission: 'edit', refusedWhenLocked: true },
  release: {
    verb: 'release',
    allowedFrom: [
      'ALLOCATED',
      'DEPLOYED',
      'DEPLOYING',
      'FAILED_DEPLOYMENT',
      'FAILED_RELEASING',
      'FAILED_DISK_ERASING',
    ],
    permission: 'edit',
    target: 'RELEASING',
    refusedWhenLocked: true,
  },
  'mark-broken': {
    verb: 'mark broken',
    allowedFrom: [
      'NEW',
      'COMMISSIONING',
      'READY',
      'ALLOCATED',
      'RELEASING',
      'DEPLOYING',
      'DEPLOYED',
      'DISK_ERASING',
      'TESTING',
      ...failed,
    ],
    permission: 'edit',
    target: 'BROKEN',
    refusedWhenLocked: true,
  },
  'mark-fixed': { verb: 'mark fixed', allowedFrom: ['BROKEN'], permission: 'admin', target: 'READY' },
  'override-failed-testing': {
    verb: 'override failed testing',
    allowedFrom: ['FAILED_TESTING'],
    permission: 'admin',
  },
  lock: { verb: 'lock', allowedFrom: ['DEPLOYED', 'DEPLOYING'], permission: 'lock' },
  unlock: { verb: 'unlock', allowedFrom: allNodeStatuses, permission: 'lock' },
  // MAAS lists FAILED_EXITING_RESCUE_MODE here too, but its transition table has no
  // FAILED_EXITING_RESCUE_MODE → ENTERING_RESCUE_MODE, so MAAS fails such a request when it
  // saves; Ferrum refuses it up front (409) instead.
  'rescue-mode': {
    verb: 'enter rescue mode',
    allowedFrom: [
      'NEW',
      'FAILED_COMMISSIONING',
      'READY',
      'RESERVED',
      'ALLOCATED',
      'FAILED_DEPLOYMENT',
      'DEPLOYED',
      'MISSING',
      'RETIRED',
      'BROKEN',
      'FAILED_DISK_ERASING',
      'FAILED_ENTERING_RESCUE_MODE',
      'FAILED_TESTING',
    ],
    permission: 'admin',
    target: 'ENTERING_RESCUE_MODE',
    refusedWhenLocked: true,
  },
  'exit-rescue-mode': {
    verb: 'exit rescue mode',
    allowedFrom: [
      'RESCUE_MODE',
      'ENTERING_RESCUE_MODE',
      'FAILED_ENTERING_RESCUE_MODE',
      'FAILED_EXITING_RESCUE_MODE',
    ],
    permission: 'admin',
    target: 'EXITING_RESCUE_MODE',
  },
  tag: { verb: 'tag', allowedFrom: allNodeStatuses, permission: 'admin' },
  untag: { verb: 'untag', allowedFrom: allNodeStatuses, permission: 'admin' },
  clone: { verb: 'clone', allowedFrom: allNodeStatuses, permission: 'admin' },
  'set-zone': { verb: 'set the zone of', allowedFrom: allNodeStatuses, permission: 'admin' },
  'set-pool': { verb: 'set the pool of', allowedFrom: allNodeStatuses, permission: 'admin' },
  delete: { verb: 'delete', allowedFrom: allNodeStatuses, permission: 'admin', refusedWhenLocked: true },
} as const satisfies Record<string, ActionRule>;

export type MachineAction = keyof typeof machineActions;

export const allMachineActions = Object.keys(machineActions) as MachineAction[];

/** True when `action` may start from `status`. */
export function actionAllowedFrom(action: MachineAction, status: NodeStatus): boolean {
  const rule: ActionRule = machineActions[action];
  return rule.allowedFrom.includes(status);
}

/** The one who asks for an action, and the machine's owner. */
export interface ActionActor {
  readonly userId: number;
  readonly isAdmin: boolean;
}

/**
 * Checks that `actor` may run `action` on a machine in `status` owned by `ownerId`:
 * admins may run everything; others only `edit`/`lock` actions, on machines they own
 * (or, for acquire and deploy, on a Ready machine nobody owns); and that a `locked` machine
 * allows it. Throws `forbidden` (403) or `invalid_transition` (409, MAAS's NodeStateViolation).
 */
export function checkAction(
  action: MachineAction,
  status: NodeStatus,
  actor: ActionActor,
  ownerId: number | null,
  hostname: string,
  locked = false,
): void {
  const rule: ActionRule = machineActions[action];
  if (!actor.isAdmin) {
    const claimable = (action === 'acquire' || action === 'deploy') && ownerId === null && status === 'READY';
    if (rule.permission === 'admin') {
      throw new AppError('forbidden', `You do not have permission to ${rule.verb} machine ${hostname}.`);
    }
    if (ownerId !== actor.userId && !claimable) {
      throw new AppError(
        'forbidden',
        `You do not have permission to ${rule.verb} machine ${hostname}: it belongs to another user.`,
      );
    }
  }
  if (!rule.allowedFrom.includes(status)) {
    throw new AppError(
      'invalid_transition',
      `Cannot ${rule.verb} machine ${hostname} because it is ${statusLabel(status)}.`,
      {
        action,
        status,
        allowedFrom: rule.allowedFrom,
      },
    );
  }
  if (locked && rule.refusedWhenLocked)
    throw new AppError('invalid_transition', `Cannot ${rule.verb} machine ${hostname}: it is locked.`, {
      action,
      locked: true,
    });
}
