import { readFileSync } from 'node:fs';

/** One configuration setting: where it comes from and how a raw value is parsed. */
export interface SettingSpec<T> {
  /** Environment variable; `<env>_FILE` is also read for secrets. */
  readonly env: string;
  readonly description: string;
  readonly default: T | (() => T);
  readonly secret?: boolean;
  /** Parses a raw value, returning the value or a message saying what is wrong. */
  readonly parse: (raw: unknown) => { ok: true; value: T } | { ok: false; message: string };
}

export type ConfigSchema = Record<string, SettingSpec<unknown>>;
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends SettingSpec<infer T> ? T : never;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadConfigInput {
  readonly env: NodeJS.ProcessEnv;
  /** Path of an optional JSON file whose keys are the schema's keys. */
  readonly file?: string | undefined;
}

/**
 * Loads a typed, frozen configuration from a JSON file and the environment (environment wins).
 * Every problem is collected and reported at once in one ConfigError.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, input: LoadConfigInput): ConfigOf<S> {
  const problems: string[] = [];
  let fileValues: Record<string, unknown> = {};
  if (input.file !== undefined) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(input.file, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`${input.file}: must contain a JSON object`);
      } else {
        fileValues = parsed as Record<string, unknown>;
        for (const key of Object.keys(fileValues)) {
          if (!Object.hasOwn(schema, key)) {
            problems.push(
              `${input.file}: unknown setting "${key}" (known: ${Object.keys(schema).join(', ')})`,
            );
          }
        }
      }
    } catch (error) {
      problems.push(`${input.file}: ${(error as Error).message}`);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    let raw: unknown;
    let source: string;
    const fileVar = input.env[`${spec.env}_FILE`];
    if (input.env[spec.env] !== undefined && input.env[spec.env] !== '') {
      raw = input.env[spec.env];
      source = spec.env;
    } else if (fileVar !== undefined && fileVar !== '') {
      source = `${spec.env}_FILE`;
      try {
        raw = readFileSync(fileVar, 'utf8').trim();
      } catch (error) {
        problems.push(`${source}: cannot read ${fileVar}: ${(error as Error).message}`);
        continue;
      }
    } else if (Object.hasOwn(fileValues, key)) {
      raw = fileValues[key];
      source = `${input.file ?? 'config file'}: ${key}`;
    } else {
      result[key] = typeof spec.default === 'function' ? (spec.default as () => unknown)() : spec.default;
      continue;
    }
    const parsed = spec.parse(raw);
    if (parsed.ok) result[key] = parsed.value;
    else problems.push(`${source}: ${spec.secret === true ? redact(parsed.message, raw) : parsed.message}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as ConfigOf<S>;
}

/** A parser's message with a secret's value blanked out: configuration errors get logged. */
function redact(message: string, raw: unknown): string {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (text === '') return message;
  return message.split(JSON.stringify(text)).join('[redacted]').split(text).join('[redacted]');
}

// Parsers for the common kinds of setting.

export function portSetting(raw: unknown): { ok: true; value: number } | { ok: false; message: string } {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    return { ok: false, message: `expected a port number 0-65535, got ${JSON.stringify(raw)}` };
  return { ok: true, value: n };
}

export function stringSetting(raw: unknown): { ok: true; value: string } | { ok: false; message: string } {
  if (typeof raw !== 'string' || raw.trim() === '')
    return { ok: false, message: `expected a non-empty string, got ${JSON.stringify(raw)}` };
  return { ok: true, value: raw.trim() };
}

export function optionalStringSetting(
  raw: unknown,
): { ok: true; value: string | undefined } | { ok: false; message: string } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, value: undefined };
  return stringSetting(raw);
}

export function choiceSetting<T extends string>(choices: readonly T[]) {
  return (raw: unknown): { ok: true; value: T } | { ok: false; message: string } =>
    typeof raw === 'string' && (choices as readonly string[]).includes(raw)
      ? { ok: true, value: raw as T }
      : { ok: false, message: `expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}` };
}

export function intSetting(min: number, max: number) {
  return (raw: unknown): { ok: true; value: number } | { ok: false; message: string } => {
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
          ? Number(raw)
          : NaN;
    if (!Number.isInteger(n) || n < min || n > max)
      return { ok: false, message: `expected a whole number ${min}-${max}, got ${JSON.stringify(raw)}` };
    return { ok: true, value: n };
  };
}

/** The log settings every Ferrum process takes (FERRUM_LOG_LEVEL, FERRUM_LOG_FORMAT). */
export const logSettings = {
  logLevel: {
    env: 'FERRUM_LOG_LEVEL',
    description: 'Log level.',
    default: 'info',
    parse: choiceSetting(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const),
  },
  logFormat: {
    env: 'FERRUM_LOG_FORMAT',
    description: 'json, pretty, or auto (pretty on a terminal).',
    default: 'auto',
    parse: choiceSetting(['auto', 'json', 'pretty'] as const),
  },
} as const;
