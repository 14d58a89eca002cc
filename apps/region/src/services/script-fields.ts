import {
  readHardwareType,
  readScriptParallel,
  readScriptType,
  readTimeoutSeconds,
  type Choice,
  type HardwareType,
  type ScriptParallel,
  type ScriptType,
} from '@ferrum/domain';
import { FieldErrors } from './field-errors.js';

/** A script's settings (everything but its text), checked. */
export interface ScriptFields {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly type: ScriptType;
  readonly hardwareType: HardwareType;
  readonly parallel: ScriptParallel;
  readonly timeoutSeconds: number;
  readonly destructive: boolean;
  readonly mayReboot: boolean;
  readonly recommission: boolean;
  readonly forHardware: readonly string[];
  readonly packages: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly results: unknown;
  readonly applyConfiguredNetworking: boolean;
}

/** A new script's settings where the request and its metadata say nothing (MAAS's defaults). */
export const defaultScriptFields: Omit<ScriptFields, 'name'> = {
  title: '',
  description: '',
  tags: [],
  type: 'testing',
  hardwareType: 'node',
  parallel: 'disabled',
  timeoutSeconds: 0,
  destructive: false,
  mayReboot: false,
  recommission: false,
  forHardware: [],
  packages: {},
  parameters: {},
  results: {},
  applyConfiguredNetworking: false,
};

/** Values by MAAS's field names, as strings from a form or typed from YAML metadata. */
export type ScriptFieldValues = Readonly<Record<string, unknown>>;

const packageKeys = ['apt', 'snap', 'url'];
const parameterTypes = ['storage', 'interface', 'url', 'runtime', 'string', 'password', 'choice', 'boolean'];
const hardwarePrefixes = [
  'modalias:',
  'pci:',
  'usb:',
  'system_vendor:',
  'system_product:',
  'system_version:',
  'mainboard_vendor:',
  'mainboard_product:',
];

/**
 * Checks `values` over `base` (a script's current settings, or the defaults with its name):
 * every field with a problem is reported at once, by MAAS's field name.
 */
export function checkScriptFields(base: ScriptFields, values: ScriptFieldValues): ScriptFields {
  const errors = new FieldErrors();
  const fields: { -readonly [K in keyof ScriptFields]: ScriptFields[K] } = { ...base };
  const given = (key: string) => values[key] !== undefined && values[key] !== null;

  if (given('name')) {
    const name = String(values['name']).trim();
    const problem = scriptNameProblem(name);
    if (problem) errors.add('name', problem);
    fields.name = name;
  }
  if (given('title')) fields.title = String(values['title']);
  if (given('description')) fields.description = String(values['description']);
  if (given('tags')) {
    const tags = listOf(values['tags']);
    if (tags.some((t) => t.includes(','))) errors.add('tags', 'A tag may not contain a ",".');
    fields.tags = [...new Set(tags)];
  }
  const choice = <T>(key: string, read: (v: string | number) => Choice<T>, set: (v: T) => void) => {
    if (!given(key)) return;
    const read_ = read(scalarText(values[key]));
    if (read_.ok) set(read_.value);
    else errors.add(key, read_.error);
  };
  choice('type', readScriptType, (v) => (fields.type = v));
  choice('hardware_type', readHardwareType, (v) => (fields.hardwareType = v));
  choice('parallel', readScriptParallel, (v) => (fields.parallel = v));
  if (given('timeout')) {
    const seconds = readTimeoutSeconds(scalarText(values['timeout']));
    if (seconds === undefined)
      errors.add(
        'timeout',
        `'${String(values['timeout'])}' is not a timeout: give whole seconds or HH:MM:SS.`,
      );
    else fields.timeoutSeconds = seconds;
  }
  const bool = (key: string, set: (v: boolean) => void) => {
    if (!given(key)) return;
    const value = readBool(values[key]);
    if (value === undefined)
      errors.add(key, `'${String(values[key])}' is not a boolean (use true or false).`);
    else set(value);
  };
  bool('destructive', (v) => (fields.destructive = v));
  bool('may_reboot', (v) => (fields.mayReboot = v));
  bool('recommission', (v) => (fields.recommission = v));
  bool('apply_configured_networking', (v) => (fields.applyConfiguredNetworking = v));
  if (given('for_hardware')) {
    const ids = listOf(values['for_hardware']);
    for (const id of ids) {
      const problem = hardwareIdProblem(id);
      if (problem) errors.add('for_hardware', problem);
    }
    fields.forHardware = ids;
  }
  const json = (key: string, check: (value: unknown) => string | undefined, set: (v: never) => void) => {
    if (!given(key)) return;
    let value = values[key];
    if (typeof value === 'string') {
      try {
        value = value.trim() === '' ? {} : JSON.parse(value);
      } catch {
        errors.add(key, 'Must be JSON (or YAML in the embedded metadata).');
        return;
      }
    }
    const problem = check(value);
    if (problem) errors.add(key, problem);
    else set(value as never);
  };
  json('packages', packagesProblem, (v) => (fields.packages = v));
  json('parameters', parametersProblem, (v) => (fields.parameters = v));
  json(
    'results',
    (v) => (typeof v === 'object' && v !== null ? undefined : 'Must be a mapping or a list.'),
    (v) => (fields.results = v),
  );
  if (fields.type !== 'testing' && fields.applyConfiguredNetworking)
    errors.add('apply_configured_networking', 'Only testing scripts may apply the configured networking.');
  errors.throwIfAny();
  return fields;
}

/** Why `name` cannot name a script, or undefined. Names are used in URLs and in run lists. */
export function scriptNameProblem(name: string): string | undefined {
  if (name === '') return 'This field is required.';
  if (name.length > 255) return 'Ensure this value has at most 255 characters.';
  if (/^\d+$/.test(name)) return 'Cannot be a number: scripts are found by id when their name is one.';
  if (/[\s/,]/.test(name)) return 'May not contain spaces, "/" or ",".';
  if (name.toLowerCase() === 'none') return "'none' is reserved: it means no scripts.";
  return undefined;
}

function hardwareIdProblem(id: string): string | undefined {
  if (!hardwarePrefixes.some((p) => id.startsWith(p)))
    return `'${id}' must start with one of ${hardwarePrefixes.join(', ')}.`;
  if (
    (id.startsWith('pci:') || id.startsWith('usb:')) &&
    !/^(pci|usb):[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/.test(id)
  )
    return `'${id}' must be a vendor and product id in hex, e.g. pci:8086:1533.`;
  return undefined;
}

function packagesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'Must be a mapping of apt, snap and url to package lists.';
  for (const [key, list] of Object.entries(value)) {
    if (!packageKeys.includes(key)) return `Unknown package source '${key}': use apt, snap or url.`;
    if (typeof list !== 'string' && !Array.isArray(list))
      return `The ${key} packages must be a name or a list.`;
  }
  return undefined;
}

function parametersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'Must be a mapping of parameter names to their settings.';
  for (const [name, settings] of Object.entries(value)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
      return `Parameter '${name}' must be a mapping with a type.`;
    const type = (settings as Record<string, unknown>)['type'];
    if (typeof type !== 'string' || !parameterTypes.includes(type))
      return `Parameter '${name}' has type '${String(type)}': use one of ${parameterTypes.join(', ')}.`;
  }
  return undefined;
}

function scalarText(value: unknown): string | number {
  return typeof value === 'number' ? value : String(value);
}

function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function readBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  const word = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off', ''].includes(word)) return false;
  return undefined;
}
