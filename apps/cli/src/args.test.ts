import { describe, expect, it } from 'vitest';
import { parseOptions } from './args.js';

const options = {
  secret: { type: 'string' },
  url: { type: 'string', multiple: true },
  force: { type: 'boolean', default: false },
} as const;

describe('parseOptions', () => {
  it('takes a value that begins with a dash as the value of a string option', () => {
    const { values } = parseOptions(['--secret', '-Ab_c', '--url', 'http://a/', '--force'], options);
    expect(values).toEqual({ secret: '-Ab_c', url: ['http://a/'], force: true });
  });

  it('takes "--" and "-" as values too, and leaves --name=value alone', () => {
    expect(parseOptions(['--secret', '--'], options).values.secret).toBe('--');
    expect(parseOptions(['--secret', '-'], options).values.secret).toBe('-');
    expect(parseOptions(['--secret=-x'], options).values.secret).toBe('-x');
  });

  it('still refuses unknown options and a string option with no value', () => {
    expect(() => parseOptions(['--sekret', 'x'], options)).toThrow(/Unknown option '--sekret'/);
    expect(() => parseOptions(['--secret'], options)).toThrow(/argument missing/);
  });

  it('does not take a value for a boolean option', () => {
    expect(() => parseOptions(['--force', '-x'], options)).toThrow(/Unknown option '-x'/);
  });
});
