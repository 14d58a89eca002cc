import type { ScriptStatus } from './script-enums.js';

/** The status words a machine's runner signals (`status=` of `POST metadata/?op=signal`). */
export const signalStatuses = [
  'OK',
  'FAILED',
  'WORKING',
  'COMMISSIONING',
  'TESTING',
  'TIMEDOUT',
  'INSTALLING',
  'APPLYING_NETCONF',
] as const;
export type SignalStatus = (typeof signalStatuses)[number];

/**
 * Whether a signal reports the end of a script (its result), not its progress: OK, FAILED,
 * TIMEDOUT, or WORKING with an exit status, which is how MAAS's runner
 * (maas-run-remote-scripts) sends every result.
 */
export function isFinalSignal(signal: SignalStatus, exitStatus?: number): boolean {
  return (
    signal === 'OK' ||
    signal === 'FAILED' ||
    signal === 'TIMEDOUT' ||
    (signal === 'WORKING' && exitStatus !== undefined)
  );
}

/** Statuses a result may still change from (MAAS refuses to overwrite a finished result). */
export const openScriptStatuses: readonly ScriptStatus[] = [
  'PENDING',
  'RUNNING',
  'INSTALLING',
  'APPLYING_NETCONF',
];

/**
 * The status a result takes when the runner signals `signal` about it, given the status it has:
 * WORKING (and COMMISSIONING/TESTING) mean it started, but WORKING with an exit status is its
 * result (MAAS's runner sends results so: 0 passed, else failed); OK passed; FAILED failed (a failure
 * while installing packages or applying network configuration is that failure); TIMEDOUT
 * timed out. A structured result's own `status` (the `.yaml` file) overrides, as in MAAS; an OK
 * whose exit status is not 0 is a failure (MAAS's store_result judges by the exit status).
 */
export function scriptStatusAfterSignal(
  current: ScriptStatus,
  signal: SignalStatus,
  reported?: ScriptStatus,
  exitStatus?: number,
): ScriptStatus {
  switch (signal) {
    case 'WORKING':
      if (exitStatus !== undefined) return failedOr(current, reported, exitStatus);
      return 'RUNNING';
    case 'COMMISSIONING':
    case 'TESTING':
      return 'RUNNING';
    case 'INSTALLING':
      return 'INSTALLING';
    case 'APPLYING_NETCONF':
      return 'APPLYING_NETCONF';
    case 'TIMEDOUT':
      return 'TIMEDOUT';
    case 'FAILED':
      return failedOr(current, reported, 1);
    case 'OK':
      return failedOr(current, reported, exitStatus ?? 0);
  }
}

/** A finished script's status: the reported one, else passed on exit 0, else the failure of its step. */
function failedOr(
  current: ScriptStatus,
  reported: ScriptStatus | undefined,
  exitStatus: number,
): ScriptStatus {
  if (exitStatus !== 0) {
    if (current === 'INSTALLING') return 'FAILED_INSTALLING';
    if (current === 'APPLYING_NETCONF') return 'FAILED_APPLYING_NETCONF';
  }
  return reported ?? (exitStatus === 0 ? 'PASSED' : 'FAILED');
}

/** The statuses a script's structured result (`status:` in its `.yaml`) may report. */
export const reportedScriptStatuses: Readonly<Record<string, ScriptStatus>> = {
  passed: 'PASSED',
  failed: 'FAILED',
  degraded: 'DEGRADED',
  timedout: 'TIMEDOUT',
  skipped: 'SKIPPED',
};
