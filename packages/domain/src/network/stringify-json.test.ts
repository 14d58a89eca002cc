import { describe, expect, it } from 'vitest';
import { stringifyJson } from './stringify-json.js';

describe(stringifyJson, () => {
  it('writes bigints as exact integers', () => {
    expect(stringifyJson({ total_addresses: 1n << 64n, usage: 0.5, ranges: [{ n: 1n }] })).toBe(
      '{"total_addresses":18446744073709551616,"usage":0.5,"ranges":[{"n":1}]}',
    );
  });

  it('writes everything else as JSON.stringify does', () => {
    const value = {
      a: 'x"y',
      b: null,
      c: undefined,
      d: [undefined, 1, true],
      e: { f: {} },
      g: new Date(0),
      h: Number.NaN,
    };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
    expect(stringifyJson('s')).toBe('"s"');
    expect(stringifyJson(undefined)).toBe('null');
  });
});
