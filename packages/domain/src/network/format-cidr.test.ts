import { describe, expect, it } from 'vitest';
import { formatCidr } from './format-cidr.js';
import { makeCidr } from './make-cidr.js';

describe(formatCidr, () => {
  it('writes the network address in canonical form and the prefix', () => {
    expect(formatCidr(makeCidr(4, 0xc0a80100n, 24))).toBe('192.168.1.0/24');
    expect(formatCidr(makeCidr(6, 0x20010db8n << 96n, 32))).toBe('2001:db8::/32');
    expect(formatCidr(makeCidr(6, 0xffff00000000n, 96))).toBe('::ffff:0.0.0.0/96');
  });
});
