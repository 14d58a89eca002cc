import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { RpcError, rpcErrorCodes } from '@ferrum/protocol';
import { powerErrorOf } from './power-service.js';

describe(powerErrorOf, () => {
  it("keeps a rack's error code and its field errors", () => {
    const error = powerErrorOf(
      new RpcError(rpcErrorCodes.applicationError, 'power_address: not a URL', {
        code: 'validation_failed',
        fields: { power_address: ['not a URL'] },
      }),
      'rack-1',
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('validation_failed');
    expect(error.details.fields).toEqual({ power_address: ['not a URL'] });
  });

  it('drops field errors of a bad shape and keeps the code and message', () => {
    for (const fields of [['x'], { power_id: 'not a list' }, { power_id: [1] }, 'text', {}]) {
      const error = powerErrorOf(
        new RpcError(rpcErrorCodes.applicationError, 'bad', { code: 'power_settings_invalid', fields }),
        'rack-1',
      );
      expect(error.code).toBe('power_settings_invalid');
      expect(error.message).toBe('bad');
      expect(error.details.fields).toBeUndefined();
    }
  });

  it('takes an unknown error code from a rack as the rack being unavailable', () => {
    const error = powerErrorOf(
      new RpcError(rpcErrorCodes.applicationError, 'odd', { code: 'no_such_code' }),
      'rack-1',
    );
    expect(error.code).toBe('rack_unavailable');
    expect(error.message).toContain('rack-1');
    expect(error.details.retryAfterSeconds).toBe(10);
  });

  it('takes a missed deadline as an unreachable BMC', () => {
    const error = powerErrorOf(new RpcError(rpcErrorCodes.deadlineExceeded, 'timed out'), 'rack-1');
    expect(error.code).toBe('power_unreachable');
  });
});
