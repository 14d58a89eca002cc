import { describe, expect, it } from 'vitest';
import { formatCidr } from './format-cidr.js';
import { makeCidr } from './make-cidr.js';

describe(makeCidr, () => {
  it('builds the network containing an address', () => {
    expect(formatCidr(makeCidr(4, 0x0a0b0c0dn, 8))).toBe('10.0.0.0/8');
    expect(formatCidr(makeCidr(4, 0x0a0b0c0dn, 32))).toBe('10.11.12.13/32');
    expect(formatCidr(makeCidr(6, (1n << 128n) - 1n, 0))).toBe('::/0');
  });
});
