import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { FormParams } from '../maas/form-params.js';
import { signalInput } from './signal-input.js';

function form(fields: Record<string, string>, files: Record<string, string> = {}): FormParams {
  const params = new FormParams();
  for (const [k, v] of Object.entries(fields)) params.add(k, v);
  for (const [name, data] of Object.entries(files))
    params.files.push({
      field: name,
      filename: name,
      contentType: 'application/octet-stream',
      data: Buffer.from(data),
    });
  return params;
}

function fieldsOf(fn: () => unknown): Record<string, readonly string[]> {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.details.fields ?? {};
    throw error;
  }
  throw new Error('expected a validation error');
}

describe(signalInput, () => {
  it('reads the files of a result into the parts of the script they belong to', () => {
    const input = signalInput(
      form(
        { status: 'WORKING', exit_status: '3', runtime: '2.5', script_result_id: '17', name: 'x' },
        { x: 'all', 'x.out': 'out', 'x.err': 'err', 'x.yaml': 'status: passed' },
      ),
    );
    expect(input).toMatchObject({ status: 'WORKING', exitStatus: 3, runtime: 2.5, scriptResultId: 17 });
    expect(input.files.map((f) => [f.scriptName, f.part, f.data.toString()])).toEqual([
      ['x', 'output', 'all'],
      ['x', 'stdout', 'out'],
      ['x', 'stderr', 'err'],
      ['x', 'result', 'status: passed'],
    ]);
  });

  it('takes the exit status from the older field names too', () => {
    expect(signalInput(form({ status: 'OK', script_result: '1' })).exitStatus).toBe(1);
  });

  it('turns power_parameters into strings and refuses what is not a JSON object', () => {
    expect(
      signalInput(form({ status: 'OK', power_type: 'ipmi', power_parameters: '{"a": 1, "b": true}' }))
        .powerParameters,
    ).toEqual({ a: '1', b: 'true' });
    expect(fieldsOf(() => signalInput(form({ status: 'OK', power_parameters: '[1]' })))).toHaveProperty(
      'power_parameters',
    );
  });

  it('refuses an unknown status, a missing one and bad numbers, naming the field', () => {
    expect(fieldsOf(() => signalInput(form({ status: 'done' })))['status']?.[0]).toContain(
      "Unknown status: 'done'",
    );
    expect(fieldsOf(() => signalInput(form({})))).toHaveProperty('status');
    expect(fieldsOf(() => signalInput(form({ status: 'OK', runtime: '-1' })))).toHaveProperty('runtime');
    expect(fieldsOf(() => signalInput(form({ status: 'OK', script_result_id: '1.5' })))).toHaveProperty(
      'script_result_id',
    );
  });
});
