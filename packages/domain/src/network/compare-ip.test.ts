import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIp } from './compare-ip.js';
import type { Ip } from './ip.js';

const ip = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffffffffn }).map((value): Ip => ({ family: 4, value })),
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value): Ip => ({ family: 6, value })),
);

describe(compareIp, () => {
  it('puts IPv4 before IPv6, then orders by value', () => {
    const list: Ip[] = [
      { family: 6, value: 1n },
      { family: 4, value: 0xffffffffn },
      { family: 4, value: 2n },
      { family: 6, value: 0n },
    ];
    expect([...list].sort(compareIp)).toEqual([
      { family: 4, value: 2n },
      { family: 4, value: 0xffffffffn },
      { family: 6, value: 0n },
      { family: 6, value: 1n },
    ]);
  });

  it('is a consistent total order', () => {
    fc.assert(
      fc.property(ip, ip, (a, b) => {
        expect(Math.sign(compareIp(a, b)) + Math.sign(compareIp(b, a))).toBe(0);
        expect(compareIp(a, b) === 0).toBe(a.family === b.family && a.value === b.value);
      }),
    );
  });
});
