import { describe, expect, it } from 'vitest';
import { cidrsOverlap } from './cidrs-overlap.js';
import { makeCidr } from './make-cidr.js';

describe(cidrsOverlap, () => {
  it('sees a network inside another', () => {
    expect(cidrsOverlap(makeCidr(4, 0x0a000000n, 8), makeCidr(4, 0x0a010000n, 16))).toBe(true);
    expect(cidrsOverlap(makeCidr(4, 0x0a010000n, 16), makeCidr(4, 0x0a000000n, 8))).toBe(true);
  });

  it('tells neighbours and other families apart', () => {
    expect(cidrsOverlap(makeCidr(4, 0x0a000000n, 24), makeCidr(4, 0x0a000100n, 24))).toBe(false);
    expect(cidrsOverlap(makeCidr(4, 0n, 0), makeCidr(6, 0n, 0))).toBe(false);
  });
});
