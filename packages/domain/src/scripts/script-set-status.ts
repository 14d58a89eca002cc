import { failedScriptStatuses, type ScriptStatus } from './script-enums.js';

/** What a set of results amounts to. */
export interface ScriptSetOutcome {
  /**
   * The set's status, MAAS's way (ScriptSet.status, get_status_from_qs): the first of
   * {@link statusPrecedence} any result has, else PASSED; an empty set is `undefined` (MAAS -1).
   */
  readonly status: ScriptStatus | undefined;
  /** No result is pending or running. */
  readonly finished: boolean;
  /** Finished, and no result (that is not suppressed) failed, timed out or was aborted. */
  readonly passed: boolean;
  /** Names of the results that failed (any failed status, or aborted). */
  readonly failed: readonly string[];
}

/** One result as the outcome reads it. */
export interface OutcomeInput {
  readonly name: string;
  readonly status: ScriptStatus;
  /** Suppressed failures do not count (MAAS's `suppressed`). */
  readonly suppressed: boolean;
}

/** The order in which a status of one result becomes the status of its set (MAAS's). */
export const statusPrecedence: readonly ScriptStatus[] = [
  'RUNNING',
  'APPLYING_NETCONF',
  'INSTALLING',
  'PENDING',
  'ABORTED',
  'FAILED',
  'FAILED_APPLYING_NETCONF',
  'FAILED_INSTALLING',
  'TIMEDOUT',
  'DEGRADED',
];

const unfinished: readonly ScriptStatus[] = ['RUNNING', 'APPLYING_NETCONF', 'INSTALLING', 'PENDING'];

/** The outcome of a set of results; an empty set has passed, with no status. */
export function scriptSetOutcome(results: readonly OutcomeInput[]): ScriptSetOutcome {
  const counted = results.filter((r) => !r.suppressed);
  const statuses = new Set(counted.map((r) => r.status));
  const failed = counted
    .filter((r) => failedScriptStatuses.includes(r.status) || r.status === 'ABORTED')
    .map((r) => r.name);
  const finished = !unfinished.some((s) => statuses.has(s));
  const status =
    counted.length === 0 ? undefined : (statusPrecedence.find((s) => statuses.has(s)) ?? 'PASSED');
  return { status, finished, passed: finished && failed.length === 0, failed };
}
