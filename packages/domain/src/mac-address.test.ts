import { describe, expect, it } from 'vitest';
import { normaliseMac } from './mac-address.js';

describe(normaliseMac, () => {
  it.each([
    ['52:54:00:AB:cd:EF', '52:54:00:ab:cd:ef'],
    [' 52-54-00-ab-cd-ef ', '52:54:00:ab:cd:ef'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseMac(input)).toBe(expected);
  });

  it.each(['', '52:54:00:ab:cd', '52:54:00:ab:cd:ef:01', '52:54:00:ab:cd:eg', '525400abcdef'])(
    'refuses %j',
    (input) => {
      expect(normaliseMac(input)).toBeUndefined();
    },
  );
});
