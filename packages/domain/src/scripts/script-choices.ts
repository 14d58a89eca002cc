import { invalidChoice } from '../invalid-choice.js';
import {
  hardwareTypes,
  resultTypes,
  scriptParallels,
  scriptTypes,
  type HardwareType,
  type ResultType,
  type ScriptParallel,
  type ScriptType,
} from './script-enums.js';

/** A choice read from a form or a script's metadata: the value, or the message naming why not. */
export type Choice<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function reader<K extends string>(
  table: Readonly<Record<K, { readonly value: number }>>,
  aliases: Readonly<Record<string, K>>,
  what: string,
): (text: string | number) => Choice<K> {
  return (text) => {
    const word = String(text).trim().toLowerCase();
    if (/^\d+$/.test(word)) {
      const key = (Object.keys(table) as K[]).find((k) => table[k].value === Number(word));
      if (key !== undefined) return { ok: true, value: key };
    } else {
      // Own keys only: `constructor` or `toString` name no choice.
      const key = Object.hasOwn(aliases, word)
        ? aliases[word]
        : Object.hasOwn(table, word)
          ? (word as K)
          : undefined;
      if (key !== undefined) return { ok: true, value: key };
    }
    const choices = [...Object.keys(table), ...Object.keys(aliases)];
    return { ok: false, error: invalidChoice(String(text), what, choices) };
  };
}

/** A script type by name (commissioning, testing, release, deployment, or an alias) or number. */
export const readScriptType: (text: string | number) => Choice<ScriptType> = reader(
  scriptTypes,
  { commission: 'commissioning', test: 'testing', deploy: 'deployment' },
  'script type',
);

/** A hardware type by name (node, cpu, memory, storage, network, gpu, or an alias) or number. */
export const readHardwareType: (text: string | number) => Choice<HardwareType> = reader(
  hardwareTypes,
  {
    machine: 'node',
    processor: 'cpu',
    disk: 'storage',
    net: 'network',
    interface: 'network',
    graphics: 'gpu',
  },
  'hardware type',
);

/** Parallelism by name (disabled, instance, any, or an alias) or number. */
export const readScriptParallel: (text: string | number) => Choice<ScriptParallel> = reader(
  scriptParallels,
  { none: 'disabled', name: 'instance', true: 'any', false: 'disabled' },
  'parallel setting',
);

/** A result set type by name (as the results API's `type` filter reads it) or number. */
export const readResultType: (text: string | number) => Choice<ResultType> = reader(
  resultTypes,
  { commission: 'commissioning', test: 'testing', install: 'installation' },
  'result type',
);

/**
 * A timeout as MAAS reads it: whole seconds, or `[[HH:]MM:]SS` (Django's duration format).
 * Undefined when the text is neither.
 */
export function readTimeoutSeconds(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const match = /^(?:(\d+) days?, )?(?:(\d+):)?(\d+):(\d+)$/.exec(trimmed);
  if (!match) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0)
  );
}

/** Seconds as Python prints a timedelta (`0:05:00`, `1 day, 2:00:00`), the way MAAS renders timeouts. */
export function formatDuration(totalSeconds: number): string {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(whole / 86400);
  const rest = whole % 86400;
  const hms = `${String(Math.floor(rest / 3600))}:${String(Math.floor((rest % 3600) / 60)).padStart(2, '0')}:${String(rest % 60).padStart(2, '0')}`;
  return days > 0 ? `${String(days)} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}
