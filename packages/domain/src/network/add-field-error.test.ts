import { describe, expect, it } from 'vitest';
import { addFieldError } from './add-field-error.js';

describe(addFieldError, () => {
  it('collects messages per field in order', () => {
    const errors: Record<string, string[]> = {};
    addFieldError(errors, 'cidr', 'a');
    addFieldError(errors, 'cidr', 'b');
    addFieldError(errors, 'gateway_ip', 'c');
    expect(errors).toEqual({ cidr: ['a', 'b'], gateway_ip: ['c'] });
  });
});
