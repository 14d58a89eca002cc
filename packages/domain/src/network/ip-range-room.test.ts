import { describe, expect, it } from 'vitest';
import { ipRangeRoom } from './ip-range-room.js';
import { makeCidr } from './make-cidr.js';

const base = 0x0a000000n;
const at = (n: number): bigint => base + BigInt(n);

describe(ipRangeRoom, () => {
  const input = {
    cidr: makeCidr(4, base, 24),
    managed: true,
    gatewayIp: { family: 4 as const, value: at(1) },
    others: [
      { type: 'dynamic', first: at(100), last: at(199) },
      { type: 'reserved', first: at(10), last: at(19) },
    ],
    assigned: [at(50)],
  };

  it('leaves addresses in use free for reserved ranges, not other ranges', () => {
    expect(ipRangeRoom(input, 'reserved')).toEqual([
      { first: at(1), last: at(9) },
      { first: at(20), last: at(99) },
      { first: at(200), last: at(254) },
    ]);
  });

  it('keeps dynamic ranges off everything in use', () => {
    expect(ipRangeRoom(input, 'dynamic')).toEqual([
      { first: at(2), last: at(9) },
      { first: at(20), last: at(49) },
      { first: at(51), last: at(99) },
      { first: at(200), last: at(254) },
    ]);
  });

  it('on an unmanaged subnet: reserved ranges avoid only reserved ones, dynamic ones stay inside them', () => {
    const unmanaged = { ...input, managed: false };
    expect(ipRangeRoom(unmanaged, 'reserved')).toEqual([
      { first: at(1), last: at(9) },
      { first: at(20), last: at(254) },
    ]);
    expect(ipRangeRoom(unmanaged, 'dynamic')).toEqual([{ first: at(10), last: at(19) }]);
  });
});
