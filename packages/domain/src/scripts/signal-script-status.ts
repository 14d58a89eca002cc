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

/** Statuses a result may still change from (MAAS refuses to overwrite a finished result). */
export const openScriptStatuses: readonly ScriptStatus[] = [
  'PENDING',
  'RUNNING',
  'INSTALLING',
  'APPLYING_NETCONF',
];

/**
 * The status a result takes when the runner signals `signal` about it, given the status it has:
 * WORKING (and COMMISSIONING/TESTING) mean it started; OK passed; FAILED failed (a failure
 * while installing packages or applying network configuration is that failure); TIMEDOUT
 * timed out. A structured result's own `status` (the `.yaml` file) overrides, as in MAAS.
 */
export function scriptStatusAfterSignal(
  current: ScriptStatus,
  signal: SignalStatus,
  reported?: ScriptStatus,
): ScriptStatus {
  switch (signal) {
    case 'WORKING':
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
      if (current === 'INSTALLING') return 'FAILED_INSTALLING';
      if (current === 'APPLYING_NETCONF') return 'FAILED_APPLYING_NETCONF';
      return reported ?? 'FAILED';
    case 'OK':
      return reported ?? 'PASSED';
  }
}

/** The statuses a script's structured result (`status:` in its `.yaml`) may report. */
export const reportedScriptStatuses: Readonly<Record<string, ScriptStatus>> = {
  passed: 'PASSED',
  failed: 'FAILED',
  degraded: 'DEGRADED',
  timedout: 'TIMEDOUT',
  skipped: 'SKIPPED',
};
