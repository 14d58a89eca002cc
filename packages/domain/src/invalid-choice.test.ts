import { describe, expect, it } from 'vitest';
import { invalidChoice } from './invalid-choice.js';

describe(invalidChoice, () => {
  it('words the message as MAAS does', () => {
    expect(invalidChoice('foo', 'osystem', ['ubuntu', 'windows'])).toBe(
      "'foo' is not a valid osystem.  It should be one of: 'ubuntu', 'windows'.",
    );
    expect(invalidChoice('x', 'distro_series', [])).toBe(
      "'x' is not a valid distro_series.  It should be one of: .",
    );
  });
});
