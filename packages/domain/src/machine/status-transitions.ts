import { AppError } from '../app-error.js';
import { statusLabel, type NodeStatus } from './node-status.js';

/** Statuses a machine may be created in (MAAS: transitions from no status). */
export const initialStatuses: readonly NodeStatus[] = ['NEW', 'MISSING', 'RETIRED'];

// Testing returns to the status it started from; these are the ones it may have started from.
const testingReturns: readonly NodeStatus[] = [
  'NEW',
  'COMMISSIONING',
  'FAILED_DEPLOYMENT',
  'MISSING',
  'RETIRED',
  'BROKEN',
  'FAILED_RELEASING',
  'FAILED_DISK_ERASING',
  'FAILED_ENTERING_RESCUE_MODE',
  'FAILED_EXITING_RESCUE_MODE',
  'FAILED_TESTING',
];

/**
 * Every allowed status change (MAAS node_status.py NODE_TRANSITIONS). This table is the only
 * way a status changes: there is no switch to bypass it.
 */
export const statusTransitions: Readonly<Record<NodeStatus, readonly NodeStatus[]>> = {
  NEW: ['COMMISSIONING', 'TESTING', 'MISSING', 'READY', 'RETIRED', 'BROKEN', 'ENTERING_RESCUE_MODE'],
  COMMISSIONING: ['FAILED_COMMISSIONING', 'READY', 'RETIRED', 'MISSING', 'NEW', 'BROKEN', 'TESTING'],
  FAILED_COMMISSIONING: ['COMMISSIONING', 'MISSING', 'RETIRED', 'BROKEN', 'ENTERING_RESCUE_MODE', 'TESTING'],
  READY: [
    'ENTERING_RESCUE_MODE',
    'COMMISSIONING',
    'ALLOCATED',
    'RESERVED',
    'RETIRED',
    'MISSING',
    'BROKEN',
    'TESTING',
  ],
  RESERVED: [
    'READY',
    'ALLOCATED',
    'RETIRED',
    'MISSING',
    'BROKEN',
    'DISK_ERASING',
    'RELEASING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
  ],
  ALLOCATED: [
    'READY',
    'RETIRED',
    'MISSING',
    'BROKEN',
    'DEPLOYING',
    'DISK_ERASING',
    'RELEASING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
  ],
  RELEASING: [
    'NEW',
    'ALLOCATED',
    'RESERVED',
    'DEPLOYED',
    'READY',
    'BROKEN',
    'MISSING',
    'FAILED_DEPLOYMENT',
    'FAILED_DISK_ERASING',
    'FAILED_RELEASING',
  ],
  DEPLOYING: [
    'ALLOCATED',
    'MISSING',
    'BROKEN',
    'FAILED_DEPLOYMENT',
    'DEPLOYED',
    'READY',
    'DISK_ERASING',
    'RELEASING',
  ],
  FAILED_DEPLOYMENT: [
    'ALLOCATED',
    'MISSING',
    'BROKEN',
    'READY',
    'DISK_ERASING',
    'RELEASING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
  ],
  DEPLOYED: [
    'ALLOCATED',
    'MISSING',
    'BROKEN',
    'READY',
    'DISK_ERASING',
    'RELEASING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
  ],
  MISSING: ['NEW', 'READY', 'ALLOCATED', 'COMMISSIONING', 'BROKEN', 'ENTERING_RESCUE_MODE', 'TESTING'],
  RETIRED: ['NEW', 'READY', 'MISSING', 'BROKEN', 'ENTERING_RESCUE_MODE', 'TESTING'],
  BROKEN: [
    'COMMISSIONING',
    'READY',
    'DISK_ERASING',
    'RELEASING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
    'DEPLOYED',
  ],
  FAILED_RELEASING: ['RELEASING', 'DISK_ERASING', 'READY', 'BROKEN', 'TESTING'],
  DISK_ERASING: ['BROKEN', 'DISK_ERASING', 'FAILED_DISK_ERASING', 'READY', 'RELEASING'],
  FAILED_DISK_ERASING: [
    'DISK_ERASING',
    'RELEASING',
    'BROKEN',
    'ALLOCATED',
    'READY',
    'ENTERING_RESCUE_MODE',
    'TESTING',
  ],
  ENTERING_RESCUE_MODE: [
    'READY',
    'BROKEN',
    'DEPLOYED',
    'RESCUE_MODE',
    'FAILED_ENTERING_RESCUE_MODE',
    'EXITING_RESCUE_MODE',
  ],
  FAILED_ENTERING_RESCUE_MODE: ['BROKEN', 'ENTERING_RESCUE_MODE', 'EXITING_RESCUE_MODE', 'TESTING'],
  RESCUE_MODE: ['BROKEN', 'EXITING_RESCUE_MODE', 'TESTING'],
  EXITING_RESCUE_MODE: [
    'NEW',
    'BROKEN',
    'FAILED_COMMISSIONING',
    'READY',
    'RESERVED',
    'ALLOCATED',
    'FAILED_DEPLOYMENT',
    'DEPLOYED',
    'MISSING',
    'RETIRED',
    'FAILED_RELEASING',
    'FAILED_DISK_ERASING',
    'RESCUE_MODE',
    'FAILED_ENTERING_RESCUE_MODE',
    'FAILED_EXITING_RESCUE_MODE',
    'FAILED_TESTING',
  ],
  FAILED_EXITING_RESCUE_MODE: ['BROKEN', 'EXITING_RESCUE_MODE', 'TESTING'],
  TESTING: [
    ...new Set<NodeStatus>([
      'BROKEN',
      'NEW',
      'READY',
      'RESERVED',
      'ALLOCATED',
      'DEPLOYED',
      ...testingReturns,
    ]),
  ],
  FAILED_TESTING: [
    'COMMISSIONING',
    'BROKEN',
    'MISSING',
    'ENTERING_RESCUE_MODE',
    'TESTING',
    'READY',
    'DEPLOYED',
  ],
};

/** True when the table allows `from` → `to`. */
export function canTransition(from: NodeStatus, to: NodeStatus): boolean {
  return statusTransitions[from].includes(to);
}

/** Checks a status change against the table; a refused change is `invalid_transition` (409). */
export function checkTransition(from: NodeStatus, to: NodeStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError(
      'invalid_transition',
      `Invalid transition: ${statusLabel(from)} -> ${statusLabel(to)}.`,
      { from, to },
    );
  }
}

/** The failed status each monitored (in-progress) status falls to (maascommon node.py). */
export const failedStatusOf: Readonly<Partial<Record<NodeStatus, NodeStatus>>> = {
  COMMISSIONING: 'FAILED_COMMISSIONING',
  DEPLOYING: 'FAILED_DEPLOYMENT',
  RELEASING: 'FAILED_RELEASING',
  DISK_ERASING: 'FAILED_DISK_ERASING',
  ENTERING_RESCUE_MODE: 'FAILED_ENTERING_RESCUE_MODE',
  EXITING_RESCUE_MODE: 'FAILED_EXITING_RESCUE_MODE',
  TESTING: 'FAILED_TESTING',
};

/** The in-progress statuses the timeout monitor watches. */
export const monitoredStatuses = Object.keys(failedStatusOf) as NodeStatus[];

/**
 * How long a machine may stay in a monitored status before it is failed, in minutes:
 * the `node_timeout` setting (default 30), except releasing and exiting rescue mode (5).
 * Undefined for statuses that are not monitored.
 */
export function statusTimeoutMinutes(status: NodeStatus, nodeTimeoutMinutes: number): number | undefined {
  if (failedStatusOf[status] === undefined) return undefined;
  return usesNodeTimeout(status) ? nodeTimeoutMinutes : 5;
}

/** Whether a status's timeout is the `node_timeout` setting (so it must be read to enter it). */
export function usesNodeTimeout(status: NodeStatus): boolean {
  return failedStatusOf[status] !== undefined && status !== 'RELEASING' && status !== 'EXITING_RESCUE_MODE';
}
