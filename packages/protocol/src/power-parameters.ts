import type { PowerParameters, PowerTypeDeclaration } from './power-driver.js';

/** The API field a power parameter arrives in (MAAS's form prefix). */
export function powerParameterField(name: string): string {
  return `power_parameters_${name}`;
}

/** Parameters checked against a power type: normalised, or every problem by API field. */
export type PowerParametersCheck =
  | { readonly ok: true; readonly value: PowerParameters }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

/**
 * Checks parameters for a power type and returns them normalised: every setting present
 * (defaults filled in), nothing else. Unknown names, non-string values, missing required
 * values and values outside a choice list are all reported at once, each under its
 * `power_parameters_<name>` field. The region runs it on every API that sets power
 * parameters; the rack runs it again on what arrives over RPC.
 */
export function checkPowerParameters(
  declaration: PowerTypeDeclaration,
  params: Readonly<Record<string, unknown>>,
): PowerParametersCheck {
  const errors: Record<string, string> = {};
  const known = new Set(declaration.settings.map((s) => s.name));
  for (const name of Object.keys(params))
    if (!known.has(name))
      errors[powerParameterField(name)] = `Unknown parameter for power type '${declaration.name}'.`;
  const value: Record<string, string> = {};
  for (const setting of declaration.settings) {
    const field = powerParameterField(setting.name);
    const raw = Object.hasOwn(params, setting.name) ? params[setting.name] : undefined;
    if (raw !== undefined && typeof raw !== 'string') {
      errors[field] = 'Expected a string.';
      continue;
    }
    const given = raw === undefined || raw === '' ? (setting.default ?? '') : raw;
    if (setting.required && given === '') {
      errors[field] = 'This field is required.';
      continue;
    }
    if (setting.kind === 'choice' && given !== '' && !setting.choices.some((c) => c.value === given)) {
      errors[field] =
        `Select a valid choice. ${JSON.stringify(given)} is not one of the available choices: ${setting.choices
          .map((c) => c.value)
          .join(', ')}.`;
      continue;
    }
    value[setting.name] = given;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}

/**
 * The key of the BMC a machine's parameters point at: its power type and its BMC-scoped
 * settings (MAAS groups machines into one BMC the same way). Work on one BMC is limited
 * together, so a chassis serving many machines is not hammered.
 */
export function bmcKey(declaration: PowerTypeDeclaration, params: PowerParameters): string {
  const parts = declaration.settings
    .filter((s) => (s.scope ?? 'bmc') === 'bmc' && !s.secret && s.kind !== 'password')
    .map((s) => `${s.name}=${params[s.name] ?? ''}`);
  return [declaration.name, ...parts].join('\u0000');
}
