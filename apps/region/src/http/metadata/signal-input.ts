import { AppError, signalStatuses, type SignalStatus } from '@ferrum/domain';
import type { FormParams } from '../maas/form-params.js';
import type { SignalInput } from '../../services/metadata-signals.js';
import type { ResultPart, SignalFile } from '../../services/metadata-scripts.js';

/** Which script-result column a file fills, by its extension (MAAS `_EXT_TO_KEY`). */
const partByExtension: Readonly<Record<string, ResultPart>> = {
  '.out': 'stdout',
  '.err': 'stderr',
  '.yaml': 'result',
};

function intField(form: FormParams, name: string): number | undefined {
  const raw = form.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d{1,10}$/.test(raw.trim())) throw AppError.invalid({ [name]: `'${raw}' is not a whole number.` });
  return Number(raw.trim());
}

function numberField(form: FormParams, name: string): number | undefined {
  const raw = form.get(name);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw AppError.invalid({ [name]: `'${raw}' is not a number of seconds.` });
  return value;
}

/** `power_parameters`: a JSON object; its values become the strings power settings are. */
function powerParameters(form: FormParams): Record<string, string> | undefined {
  const raw = form.get('power_parameters');
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw AppError.invalid({ power_parameters: 'Failed to parse JSON power_parameters.' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw AppError.invalid({ power_parameters: 'power_parameters must be a JSON object.' });
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object')
      throw AppError.invalid({
        power_parameters: `power_parameters.${key} must be a string, number or boolean.`,
      });
    out[key] = String(value as string | number | boolean);
  }
  return out;
}

/** The files of a signal, each named by its form field (MAAS reads `request.FILES` by key). */
function signalFiles(form: FormParams): SignalFile[] {
  return form.files.map((file) => {
    const name = file.field || file.filename;
    const dot = name.lastIndexOf('.');
    const part = dot > 0 ? partByExtension[name.slice(dot).toLowerCase()] : undefined;
    return part
      ? { scriptName: name.slice(0, dot), part, data: file.data }
      : { scriptName: name, part: 'output', data: file.data };
  });
}

/** Parses `op=signal`'s form (400 naming the field for anything wrong). */
export function signalInput(form: FormParams): SignalInput {
  const nul = form.nullCharacterField();
  if (nul !== undefined) throw AppError.invalid({ [nul]: 'Null characters are not allowed.' });
  const status = form.get('status');
  if (status === undefined || status === '') throw AppError.invalid({ status: 'This field is required.' });
  if (!(signalStatuses as readonly string[]).includes(status))
    throw AppError.invalid({
      status: `Unknown status: '${status}' (expected one of ${signalStatuses.join(', ')}).`,
    });
  // Internally exit_status; older runners sent script_result, cloud-init result (MAAS reads all three).
  const exitStatus =
    intField(form, 'exit_status') ?? intField(form, 'script_result') ?? intField(form, 'result');
  const powerType = form.get('power_type');
  return {
    status: status as SignalStatus,
    error: form.get('error'),
    scriptResultId: intField(form, 'script_result_id'),
    scriptVersionId: intField(form, 'script_version_id'),
    exitStatus,
    runtime: numberField(form, 'runtime'),
    name: form.get('name'),
    powerType: powerType === '' ? undefined : powerType,
    powerParameters: powerParameters(form),
    files: signalFiles(form),
  };
}
