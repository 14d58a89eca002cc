// Machine statuses exactly as MAAS numbers and labels them (maascommon NodeStatus,
// NODE_STATUS_LABELS): clients such as gomaasapi and Terraform compare these numbers.

export const nodeStatuses = {
  NEW: { value: 0, label: 'New' },
  COMMISSIONING: { value: 1, label: 'Commissioning' },
  FAILED_COMMISSIONING: { value: 2, label: 'Failed commissioning' },
  MISSING: { value: 3, label: 'Missing' },
  READY: { value: 4, label: 'Ready' },
  RESERVED: { value: 5, label: 'Reserved' },
  DEPLOYED: { value: 6, label: 'Deployed' },
  RETIRED: { value: 7, label: 'Retired' },
  BROKEN: { value: 8, label: 'Broken' },
  DEPLOYING: { value: 9, label: 'Deploying' },
  ALLOCATED: { value: 10, label: 'Allocated' },
  FAILED_DEPLOYMENT: { value: 11, label: 'Failed deployment' },
  RELEASING: { value: 12, label: 'Releasing' },
  FAILED_RELEASING: { value: 13, label: 'Releasing failed' },
  DISK_ERASING: { value: 14, label: 'Disk erasing' },
  FAILED_DISK_ERASING: { value: 15, label: 'Failed disk erasing' },
  RESCUE_MODE: { value: 16, label: 'Rescue mode' },
  ENTERING_RESCUE_MODE: { value: 17, label: 'Entering rescue mode' },
  FAILED_ENTERING_RESCUE_MODE: { value: 18, label: 'Failed to enter rescue mode' },
  EXITING_RESCUE_MODE: { value: 19, label: 'Exiting rescue mode' },
  FAILED_EXITING_RESCUE_MODE: { value: 20, label: 'Failed to exit rescue mode' },
  TESTING: { value: 21, label: 'Testing' },
  FAILED_TESTING: { value: 22, label: 'Failed testing' },
} as const;

/** A machine status by MAAS's name, e.g. `READY`. */
export type NodeStatus = keyof typeof nodeStatuses;

export const allNodeStatuses = Object.keys(nodeStatuses) as NodeStatus[];

const byValue = new Map<number, NodeStatus>(allNodeStatuses.map((name) => [nodeStatuses[name].value, name]));

/** MAAS's number for a status (`status` in the machine JSON). */
export function statusValue(status: NodeStatus): number {
  return nodeStatuses[status].value;
}

/** MAAS's label for a status (`status_name`). */
export function statusLabel(status: NodeStatus): string {
  return nodeStatuses[status].label;
}

/** The status with MAAS's number `value`, or undefined. */
export function statusFromValue(value: number): NodeStatus | undefined {
  return byValue.get(value);
}

/** The UI's simplified status (`simple_status` filter). */
export function simpleStatus(status: NodeStatus): string {
  switch (status) {
    case 'ALLOCATED':
    case 'BROKEN':
    case 'COMMISSIONING':
    case 'DEPLOYED':
    case 'DEPLOYING':
    case 'NEW':
    case 'READY':
    case 'RELEASING':
    case 'TESTING':
      return statusLabel(status);
    case 'RESCUE_MODE':
    case 'ENTERING_RESCUE_MODE':
    case 'EXITING_RESCUE_MODE':
      return 'Rescue Mode';
    case 'FAILED_COMMISSIONING':
    case 'FAILED_DEPLOYMENT':
    case 'FAILED_RELEASING':
    case 'FAILED_DISK_ERASING':
    case 'FAILED_ENTERING_RESCUE_MODE':
    case 'FAILED_EXITING_RESCUE_MODE':
    case 'FAILED_TESTING':
      return 'Failed';
    case 'MISSING':
    case 'RESERVED':
    case 'RETIRED':
    case 'DISK_ERASING':
      return 'Other';
  }
}
