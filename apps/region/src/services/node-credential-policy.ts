import type { NodeStatus } from '@ferrum/domain';

/** What a status change does to a machine's metadata credentials. */
export type CredentialEffect = 'fresh' | 'keep' | 'revoke';

/**
 * Statuses in which a machine may hold metadata credentials: it runs the ephemeral environment
 * (commissioning, testing, rescue, erasing, the installer) or the OS Ferrum deployed on it.
 */
const holding: ReadonlySet<NodeStatus> = new Set<NodeStatus>([
  'COMMISSIONING',
  'TESTING',
  'DEPLOYING',
  'DEPLOYED',
  'ENTERING_RESCUE_MODE',
  'RESCUE_MODE',
  'EXITING_RESCUE_MODE',
  'DISK_ERASING',
]);

/**
 * The effect of entering `to`: a new operation on the machine's hardware gets fresh credentials
 * (whatever an earlier boot was given stops working); testing and rescue keep the ones the
 * machine has (testing follows commissioning in the same boot; a deployed machine in rescue
 * keeps its OS's credentials), or get some when it has none; the end of an allocation or of the
 * machine's work (release, Ready, New, Allocated after an aborted deployment) revokes them.
 * Other statuses (failures, Broken, Deployed, …) leave them as they are, so that a machine that
 * failed can still send its last results.
 */
export function credentialEffect(to: NodeStatus): CredentialEffect | undefined {
  switch (to) {
    case 'COMMISSIONING':
    case 'DEPLOYING':
    case 'DISK_ERASING':
      return 'fresh';
    case 'TESTING':
    case 'ENTERING_RESCUE_MODE':
      return 'keep';
    case 'NEW':
    case 'READY':
    case 'ALLOCATED':
    case 'RESERVED':
    case 'RELEASING':
    case 'RETIRED':
      return 'revoke';
    case 'DEPLOYED':
    case 'RESCUE_MODE':
    case 'EXITING_RESCUE_MODE':
    case 'BROKEN':
    case 'MISSING':
    case 'FAILED_COMMISSIONING':
    case 'FAILED_DEPLOYMENT':
    case 'FAILED_RELEASING':
    case 'FAILED_DISK_ERASING':
    case 'FAILED_ENTERING_RESCUE_MODE':
    case 'FAILED_EXITING_RESCUE_MODE':
    case 'FAILED_TESTING':
      return undefined;
  }
}

/** Whether a machine in `status` may hold credentials (and so be given a boot token). */
export function holdsCredentials(status: NodeStatus): boolean {
  return holding.has(status);
}

/** Statuses after which the user's deploy user data is dropped (the allocation is over). */
export function dropsUserData(to: NodeStatus): boolean {
  return to === 'READY' || to === 'NEW' || to === 'RETIRED';
}
