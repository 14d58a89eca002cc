import { describe, expect, it } from 'vitest';
import { familyBits } from './ip.js';

describe(familyBits, () => {
  it('gives 32 bits for IPv4 and 128 for IPv6', () => {
    expect(familyBits(4)).toBe(32);
    expect(familyBits(6)).toBe(128);
  });
});
