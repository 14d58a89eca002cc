import type { ScriptType } from './script-enums.js';

/** What selection needs to know of a script. */
export interface SelectableScript {
  readonly name: string;
  readonly type: ScriptType;
  readonly tags: readonly string[];
  /** Built in (MAAS's `default`). */
  readonly isDefault: boolean;
  readonly forHardware: readonly string[];
}

/** The scripts chosen, or the requested names/tags that matched none, by field. */
export type ScriptSelection<S> =
  | { readonly ok: true; readonly scripts: readonly S[] }
  | { readonly ok: false; readonly field: string; readonly error: string };

/** Scripts tagged so never run unless named (MAAS's `noauto`). */
export const NOAUTO_TAG = 'noauto';
/** The tag of the commissioning script that configures the BMC (skipped by `skip_bmc_config`). */
export const BMC_CONFIG_TAG = 'bmc-config';
/** Tests run with commissioning (and by `op=test`) when none are named. */
export const DEFAULT_TESTING_TAG = 'commissioning';

function byName<S extends SelectableScript>(scripts: Iterable<S>): S[] {
  // Code-point order, as MAAS and the runner sort names (localeCompare would depend on the locale).
  return [...new Map([...scripts].map((s) => [s.name, s])).values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** Scripts of `type` that a request of names and tags names; the first that names nothing is an error. */
function named<S extends SelectableScript>(
  all: readonly S[],
  type: ScriptType,
  requested: readonly string[],
  field: string,
): ScriptSelection<S> {
  const candidates = all.filter((s) => s.type === type);
  const chosen: S[] = [];
  for (const item of requested) {
    const matches = candidates.filter((s) => s.name === item || s.tags.includes(item));
    if (matches.length === 0) return { ok: false, field, error: `Unknown ${type} script or tag '${item}'.` };
    chosen.push(...matches);
  }
  return { ok: true, scripts: byName(chosen) };
}

/** Splits MAAS's comma-separated list parameter (`a,b` or repeated), dropping blanks. */
export function splitScriptList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * The commissioning scripts of a commissioning run, as MAAS chooses them: every built-in one
 * always (but the BMC configuration when `skipBmcConfig`), and the custom ones the request
 * names by name or tag; when it names none, every custom commissioning script not tagged
 * `noauto` and not bound to hardware (`for_hardware` scripts wait for the hardware to be known).
 */
export function selectCommissioningScripts<S extends SelectableScript>(
  all: readonly S[],
  options: {
    readonly requested?: readonly string[] | undefined;
    readonly skipBmcConfig?: boolean | undefined;
  },
): ScriptSelection<S> {
  const commissioning = all.filter((s) => s.type === 'commissioning');
  const builtin = commissioning.filter((s) => s.isDefault);
  let custom: readonly S[];
  if (options.requested === undefined || options.requested.length === 0) {
    custom = commissioning.filter(
      (s) => !s.isDefault && !s.tags.includes(NOAUTO_TAG) && s.forHardware.length === 0,
    );
  } else {
    const picked = named(all, 'commissioning', options.requested, 'commissioning_scripts');
    if (!picked.ok) return picked;
    custom = picked.scripts;
  }
  const scripts = byName([...builtin, ...custom]).filter(
    (s) => !(options.skipBmcConfig === true && s.tags.includes(BMC_CONFIG_TAG)),
  );
  return { ok: true, scripts };
}

/**
 * The tests of a run: those named by name or tag; when none are named, those tagged
 * `commissioning` (MAAS's default); `none` for no tests at all.
 */
export function selectTestingScripts<S extends SelectableScript>(
  all: readonly S[],
  requested: readonly string[] | undefined,
): ScriptSelection<S> {
  if (requested !== undefined && requested.length === 1 && requested[0]?.toLowerCase() === 'none')
    return { ok: true, scripts: [] };
  const items = requested === undefined || requested.length === 0 ? [DEFAULT_TESTING_TAG] : requested;
  const picked = named(all, 'testing', items, 'testing_scripts');
  // Nothing tagged `commissioning` is no error when the caller named nothing.
  if (!picked.ok && (requested === undefined || requested.length === 0)) return { ok: true, scripts: [] };
  return picked;
}

/**
 * Scripts of `type` run without a choice by the user (release, deployment): those named, or
 * every one not tagged `noauto` when none are named.
 */
export function selectScriptsOfType<S extends SelectableScript>(
  all: readonly S[],
  type: ScriptType,
  requested: readonly string[] | undefined,
  field: string,
): ScriptSelection<S> {
  if (requested !== undefined && requested.length > 0) return named(all, type, requested, field);
  return { ok: true, scripts: byName(all.filter((s) => s.type === type && !s.tags.includes(NOAUTO_TAG))) };
}
