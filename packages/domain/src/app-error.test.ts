import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';

describe('AppError', () => {
  it('is an Error carrying its code, message and details', () => {
    const error = new AppError('unavailable', 'Rack unreachable.', { retryAfterSeconds: 10 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AppError');
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('Rack unreachable.');
    expect(error.details.retryAfterSeconds).toBe(10);
    expect(error.stack).toContain('Rack unreachable.');
  });

  it('has empty details unless given some', () => {
    expect(new AppError('internal', 'x').details).toEqual({});
  });

  describe('invalid', () => {
    it('lists each field with its messages, turning a single message into a list', () => {
      const error = AppError.invalid({
        name: 'This field is required.',
        ttl: ['Too small.', 'Not a number.'],
      });
      expect(error.code).toBe('validation_failed');
      expect(error.details.fields).toEqual({
        name: ['This field is required.'],
        ttl: ['Too small.', 'Not a number.'],
      });
    });

    it('summarises every field in its message, for logs and plain-text clients', () => {
      expect(AppError.invalid({ name: 'Required.', ttl: ['Too small.', 'Not a number.'] }).message).toBe(
        'name: Required.; ttl: Too small. Not a number.',
      );
    });
  });
});
