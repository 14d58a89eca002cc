import { enumLabelOf, formatDuration, hardwareTypes, scriptParallels, scriptTypes } from '@ferrum/domain';
import type { ScriptView } from '../../services/script-service.js';
import { resourceUri } from './render.js';

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Python's email.utils.format_datetime of a UTC time (`Tue, 12 Sep 2017 12:12:08 -0000`), as MAAS renders script times. */
export function formatRfc2822(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()] ?? ''}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} -0000`;
}

/** A script as `scripts/` renders it (MAAS's NodeScriptHandler fields); its text only when asked. */
export function renderScript(view: ScriptView, options: { includeScript?: boolean; data?: string } = {}) {
  const s = view.script;
  const current = view.history.find((v) => v.id === s.current_version_id);
  return {
    id: s.id,
    name: s.name,
    title: s.title,
    description: s.description,
    tags: s.tags,
    script_type: s.script_type,
    type: s.script_type,
    type_name: enumLabelOf(scriptTypes, s.script_type),
    hardware_type: s.hardware_type,
    hardware_type_name: enumLabelOf(hardwareTypes, s.hardware_type),
    parallel: s.parallel,
    parallel_name: enumLabelOf(scriptParallels, s.parallel),
    timeout: formatDuration(s.timeout_seconds),
    destructive: s.destructive,
    default: s.is_default,
    for_hardware: s.for_hardware,
    may_reboot: s.may_reboot,
    recommission: s.recommission,
    apply_configured_networking: s.apply_configured_networking,
    packages: s.packages,
    parameters: s.parameters,
    results: s.results,
    history: view.history.map((v) => ({
      id: v.id,
      comment: v.comment,
      created: formatRfc2822(v.created),
      ...(options.includeScript === true ? { data: Buffer.from(v.data, 'utf8').toString('base64') } : {}),
    })),
    ...(options.includeScript === true && current
      ? { script: Buffer.from(current.data, 'utf8').toString('base64') }
      : {}),
    resource_uri: resourceUri('scripts', s.name),
  };
}
