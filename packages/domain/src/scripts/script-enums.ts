// Script, result and hardware enumerations exactly as MAAS numbers and labels them
// (metadataserver/enum.py): the `scripts/` and `nodes/{id}/results/` JSON carry these numbers.

/** When a script runs (`type` in the scripts JSON). 1 is skipped, as in MAAS, to match result types. */
export const scriptTypes = {
  commissioning: { value: 0, label: 'Commissioning script' },
  testing: { value: 2, label: 'Testing script' },
  release: { value: 3, label: 'Release script' },
  deployment: { value: 4, label: 'Deployment script' },
} as const;
export type ScriptType = keyof typeof scriptTypes;

/** What a script set holds (`type` of a result set). */
export const resultTypes = {
  commissioning: { value: 0, label: 'Commissioning' },
  installation: { value: 1, label: 'Installation' },
  testing: { value: 2, label: 'Testing' },
  release: { value: 3, label: 'Release' },
} as const;
export type ResultType = keyof typeof resultTypes;

/** The hardware a script is about (`hardware_type`). */
export const hardwareTypes = {
  node: { value: 0, label: 'Node' },
  cpu: { value: 1, label: 'CPU' },
  memory: { value: 2, label: 'Memory' },
  storage: { value: 3, label: 'Storage' },
  network: { value: 4, label: 'Network' },
  gpu: { value: 5, label: 'GPU' },
} as const;
export type HardwareType = keyof typeof hardwareTypes;

/** Whether a script may run alongside others (`parallel`). */
export const scriptParallels = {
  disabled: { value: 0, label: 'Disabled' },
  instance: { value: 1, label: 'Run along other instances of this script' },
  any: { value: 2, label: 'Run along any other script.' },
} as const;
export type ScriptParallel = keyof typeof scriptParallels;

/** A script result's status (`status`, `status_name`). */
export const scriptStatuses = {
  PENDING: { value: 0, label: 'Pending' },
  RUNNING: { value: 1, label: 'Running' },
  PASSED: { value: 2, label: 'Passed' },
  FAILED: { value: 3, label: 'Failed' },
  TIMEDOUT: { value: 4, label: 'Timed out' },
  ABORTED: { value: 5, label: 'Aborted' },
  DEGRADED: { value: 6, label: 'Degraded' },
  INSTALLING: { value: 7, label: 'Installing dependencies' },
  FAILED_INSTALLING: { value: 8, label: 'Failed installing dependencies' },
  SKIPPED: { value: 9, label: 'Skipped' },
  APPLYING_NETCONF: { value: 10, label: 'Applying custom network configuration' },
  FAILED_APPLYING_NETCONF: { value: 11, label: 'Failed to apply custom network configuration' },
} as const;
export type ScriptStatus = keyof typeof scriptStatuses;

/** Statuses of a script that has started and not finished. */
export const runningScriptStatuses: readonly ScriptStatus[] = ['RUNNING', 'INSTALLING', 'APPLYING_NETCONF'];
/** Statuses that count as a failure. */
export const failedScriptStatuses: readonly ScriptStatus[] = [
  'FAILED',
  'TIMEDOUT',
  'FAILED_INSTALLING',
  'FAILED_APPLYING_NETCONF',
];

interface Labelled {
  readonly value: number;
  readonly label: string;
}

/** The key of `table` whose number is `value`, or undefined. */
export function enumKeyOf<K extends string>(
  table: Readonly<Record<K, Labelled>>,
  value: number,
): K | undefined {
  return (Object.keys(table) as K[]).find((key) => table[key].value === value);
}

/** MAAS's label for a number of `table`, or `Unknown`. */
export function enumLabelOf<K extends string>(table: Readonly<Record<K, Labelled>>, value: number): string {
  const key = enumKeyOf(table, value);
  return key === undefined ? 'Unknown' : table[key].label;
}

/** A script status's number. */
export function scriptStatusValue(status: ScriptStatus): number {
  return scriptStatuses[status].value;
}

/** A script status by its number (unknown numbers read as PENDING, which no row holds). */
export function scriptStatusFromValue(value: number): ScriptStatus {
  return enumKeyOf(scriptStatuses, value) ?? 'PENDING';
}
