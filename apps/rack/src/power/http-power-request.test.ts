import { describe, expect, it } from 'vitest';
import { masked } from './http-power-request.js';

describe(masked, () => {
  it('masks every secret the peer echoes back', () => {
    expect(masked('token abcd1234 refused; abcd1234 again; pass s3cret', ['abcd1234', 's3cret'])).toBe(
      'token *** refused; *** again; pass ***',
    );
  });

  it('leaves text alone when a secret is too short to mask without mangling it', () => {
    expect(masked('an error', ['a'])).toBe('an error');
  });
});
