import {
  enumLabelOf,
  formatDuration,
  resultTypes,
  scriptSetOutcome,
  scriptStatusFromValue,
  scriptStatuses,
} from '@ferrum/domain';
import type { ScriptResultView, ScriptSetView } from '../../services/script-result-service.js';
import { formatRfc2822 } from './render-script.js';
import { resourceUri } from './render.js';

const time = (date: Date | null) => (date === null ? null : formatRfc2822(date));
const epoch = (date: Date | null) => (date === null ? '' : date.getTime() / 1000);

function runtimeOf(result: ScriptResultView): string {
  if (result.runtime_seconds !== null) return formatDuration(result.runtime_seconds);
  if (result.started !== null && result.ended !== null)
    return formatDuration((result.ended.getTime() - result.started.getTime()) / 1000);
  return '';
}

/**
 * A result's parameters with the values of `password` ones replaced by `REDACTED`, as MAAS's
 * results API shows them: only the machine, through the metadata API, reads the real value.
 */
function redacted(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(parameters)) {
    const settings = parameter as Readonly<Record<string, unknown>> | null;
    out[name] =
      settings !== null &&
      typeof settings === 'object' &&
      settings['type'] === 'password' &&
      'value' in settings
        ? { ...settings, value: 'REDACTED' }
        : parameter;
  }
  return out;
}

/** One result of a set (MAAS's NodeScriptResultHandler `results` items); outputs base64 when asked. */
export function renderScriptResult(result: ScriptResultView, includeOutput: boolean) {
  return {
    id: result.id,
    name: result.script_name,
    created: formatRfc2822(result.created),
    updated: formatRfc2822(result.updated),
    status: result.status,
    status_name: enumLabelOf(scriptStatuses, result.status),
    exit_status: result.exit_status,
    started: time(result.started),
    ended: time(result.ended),
    runtime: runtimeOf(result),
    starttime: epoch(result.started),
    endtime: epoch(result.ended),
    estimated_runtime:
      result.runtime_seconds !== null || result.timeout_seconds === null
        ? runtimeOf(result)
        : formatDuration(result.timeout_seconds),
    parameters: redacted(result.parameters),
    script_id: result.script_id,
    script_revision_id: result.script_version_id,
    suppressed: result.suppressed,
    ...(includeOutput
      ? {
          output: result.output.toString('base64'),
          stdout: result.stdout.toString('base64'),
          stderr: result.stderr.toString('base64'),
          result: result.result.toString('base64'),
        }
      : {}),
  };
}

/** A script set as `nodes/{system_id}/results/` renders it (MAAS's NodeScriptResultHandler fields). */
export function renderScriptSet(view: ScriptSetView, includeOutput: boolean) {
  const { set, results } = view;
  const outcome = scriptSetOutcome(
    results.map((r) => ({
      name: r.script_name,
      status: scriptStatusFromValue(r.status),
      suppressed: r.suppressed,
    })),
  );
  const started = results.map((r) => r.started).filter((d): d is Date => d !== null);
  const ended = results.map((r) => r.ended).filter((d): d is Date => d !== null);
  const first = started.length > 0 ? new Date(Math.min(...started.map((d) => d.getTime()))) : null;
  const last =
    outcome.finished && ended.length > 0 ? new Date(Math.max(...ended.map((d) => d.getTime()))) : null;
  const status = outcome.status === undefined ? -1 : scriptStatuses[outcome.status].value;
  return {
    id: set.id,
    system_id: view.systemId,
    type: set.result_type,
    type_name: enumLabelOf(resultTypes, set.result_type),
    last_ping: time(set.last_ping),
    status,
    status_name: status === -1 ? 'Unknown' : enumLabelOf(scriptStatuses, status),
    started: time(first),
    ended: time(last),
    runtime: first !== null && last !== null ? formatDuration((last.getTime() - first.getTime()) / 1000) : '',
    results: results.map((r) => renderScriptResult(r, includeOutput)),
    resource_uri: resourceUri('nodes', view.systemId, 'results', set.id),
  };
}
