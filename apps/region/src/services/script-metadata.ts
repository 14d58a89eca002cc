import { parseYaml, YamlError } from './script-yaml.js';

/** The lines that open and close a script's embedded metadata (MAAS's format). */
export const METADATA_START = '# --- Start MAAS 1.0 script metadata ---';
export const METADATA_END = '# --- End MAAS 1.0 script metadata ---';

/** The metadata keys a script may embed; `script_type` is the header's name for the form's `type`. */
export const metadataKeys = [
  'name',
  'title',
  'description',
  'tags',
  'type',
  'script_type',
  'hardware_type',
  'parallel',
  'timeout',
  'destructive',
  'comment',
  'may_reboot',
  'recommission',
  'for_hardware',
  'packages',
  'parameters',
  'results',
  'apply_configured_networking',
] as const;

/** The header's values by form field name, or why it cannot be read. */
export type EmbeddedMetadata =
  | { readonly ok: true; readonly values: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

/**
 * Reads the YAML between {@link METADATA_START} and {@link METADATA_END}, each line's leading
 * `#` removed. A script without the header has no metadata; an unterminated header, YAML that
 * does not parse or is not a mapping, or an unknown key is an error about the script.
 */
export function readEmbeddedMetadata(script: string): EmbeddedMetadata {
  const lines = script.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === METADATA_START);
  if (start < 0) return { ok: true, values: {} };
  const end = lines.findIndex((line, i) => i > start && line.trim() === METADATA_END);
  if (end < 0) return { ok: false, error: `The embedded metadata has no '${METADATA_END}' line.` };
  const yaml = lines
    .slice(start + 1, end)
    .map((line) => line.replace(/^\s*#/, ''))
    .join('\n');
  let parsed: unknown;
  try {
    parsed = parseYaml(yaml);
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
    // Lines of the YAML are counted from the script's first line.
    return {
      ok: false,
      error: `Invalid YAML in the embedded metadata at line ${String(error.line + start + 1)}: ${error.message.replace(/^line \d+: /, '')}.`,
    };
  }
  if (parsed === null) return { ok: true, values: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, error: 'The embedded metadata must be a YAML mapping of keys to values.' };
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(metadataKeys as readonly string[]).includes(key))
      return { ok: false, error: `The embedded metadata has an unknown key '${key}'.` };
    values[key === 'script_type' ? 'type' : key] = value;
  }
  return { ok: true, values };
}
