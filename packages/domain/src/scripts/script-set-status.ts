import { failedScriptStatuses, runningScriptStatuses, type ScriptStatus } from './script-enums.js';

/** What a set of results amounts to. */
export interface ScriptSetOutcome {
  /** The set's status, MAAS's way: running beats pending beats failed beats aborted beats degraded. */
  readonly status: ScriptStatus;
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

/** The outcome of a set of results; an empty set has passed. */
export function scriptSetOutcome(results: readonly OutcomeInput[]): ScriptSetOutcome {
  const counted = results.filter((r) => !r.suppressed);
  const statuses = new Set(counted.map((r) => r.status));
  const has = (list: readonly ScriptStatus[]) => list.some((s) => statuses.has(s));
  const failed = counted
    .filter((r) => failedScriptStatuses.includes(r.status) || r.status === 'ABORTED')
    .map((r) => r.name);
  const running = has(runningScriptStatuses);
  const pending = statuses.has('PENDING');
  let status: ScriptStatus;
  if (running) status = 'RUNNING';
  else if (pending) status = 'PENDING';
  else
    status =
      failedScriptStatuses.find((s) => statuses.has(s)) ??
      (['ABORTED', 'DEGRADED'] as const).find((s) => statuses.has(s)) ??
      'PASSED';
  const finished = !running && !pending;
  return { status, finished, passed: finished && failed.length === 0, failed };
}
