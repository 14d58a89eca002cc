import { AppError, splitScriptList } from '@ferrum/domain';
import type { FormParams } from './form-params.js';
import type { ActionOptions } from '../../services/machine-lifecycle.js';
import type { ScriptParameterValues } from '../../services/script-runs.js';

/** A list parameter: repeated or comma-separated; undefined when absent. */
function list(form: FormParams, key: string): string[] | undefined {
  return form.has(key) ? splitScriptList(form.getAll(key)) : undefined;
}

/** `parameters`: a JSON object of script name → parameter name → value. */
function parametersJson(form: FormParams): ScriptParameterValues | undefined {
  const raw = form.get('parameters');
  if (raw === undefined || raw.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw AppError.invalid({ parameters: 'Enter a JSON object of script names to their parameter values.' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw AppError.invalid({ parameters: 'Enter a JSON object of script names to their parameter values.' });
  const out: Record<string, Record<string, string>> = {};
  for (const [script, values] of Object.entries(parsed)) {
    if (values === null || typeof values !== 'object' || Array.isArray(values))
      throw AppError.invalid({ parameters: `The parameters of '${script}' must be an object of values.` });
    out[script] = Object.fromEntries(
      Object.entries(values as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    );
  }
  return out;
}

/** Every field's last value: `<script>_<parameter>` fields are picked from these for the scripts run. */
function parameterFields(form: FormParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of form.keys())
    if (key.includes('_') && !key.startsWith('oauth_')) out[key] = form.get(key) ?? '';
  return out;
}

/** `op=test`'s parameters (also what `op=commission` takes about tests). */
export function testOptions(form: FormParams): ActionOptions {
  return {
    enableSsh: form.bool('enable_ssh', false),
    testingScripts: list(form, 'testing_scripts'),
    scriptParameters: parametersJson(form),
    scriptParameterFields: parameterFields(form),
  };
}

/** `op=commission`'s parameters (and those of creating a machine that is commissioned at once). */
export function commissionOptions(form: FormParams): ActionOptions {
  return {
    ...testOptions(form),
    skipBmcConfig: form.bool('skip_bmc_config', false),
    skipNetworking: form.bool('skip_networking', false),
    skipStorage: form.bool('skip_storage', false),
    commissioningScripts: list(form, 'commissioning_scripts'),
  };
}

const param = (name: string, type: string, doc: string) =>
  `\n\n:param ${name}: ${doc}\n:type ${name}: ${type}`;

/** The docs of the parameters `op=test` takes (the maas CLI reads them). */
export const testParamsDoc =
  param(
    'enable_ssh',
    'Int',
    "Whether to enable SSH for the testing environment using the user's SSH key(s). 0 == false. 1 == true.",
  ) +
  param(
    'testing_scripts',
    'String',
    "A comma separated list of testing script names and tags to be run. By default all tests tagged 'commissioning' will be run; 'none' runs none.",
  ) +
  param(
    'parameters',
    'String',
    'Scripts selected to run may define their own parameters: a JSON object of script name to parameter values, or <script>_<parameter>=value.',
  );

/** The docs of the parameters `op=commission` takes. */
export const commissionParamsDoc =
  testParamsDoc +
  param(
    'skip_bmc_config',
    'Int',
    'Whether to skip re-configuration of the BMC for IPMI based machines. 0 == false. 1 == true.',
  ) +
  param(
    'skip_networking',
    'Int',
    'Whether to skip re-configuring the networking on the machine after the commissioning has completed. 0 == false. 1 == true.',
  ) +
  param(
    'skip_storage',
    'Int',
    'Whether to skip re-configuring the storage on the machine after the commissioning has completed. 0 == false. 1 == true.',
  ) +
  param(
    'commissioning_scripts',
    'String',
    'A comma separated list of commissioning script names and tags to be run. By default all custom commissioning scripts are run. Built-in commissioning scripts always run.',
  );
