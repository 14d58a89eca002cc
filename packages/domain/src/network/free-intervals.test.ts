import { describe, expect, it } from 'vitest';
import { freeIntervals } from './free-intervals.js';
import { makeCidr } from './make-cidr.js';

const base = 0x0a000000n;

describe(freeIntervals, () => {
  it('gives the usable addresses nothing uses on a managed subnet', () => {
    expect(
      freeIntervals({
        cidr: makeCidr(4, base, 28),
        managed: true,
        gatewayIp: { family: 4, value: base + 1n },
        dnsServers: [],
        ranges: [{ type: 'dynamic', first: base + 8n, last: base + 12n }],
        assigned: [base + 3n],
      }),
    ).toEqual([
      { first: base + 2n, last: base + 2n },
      { first: base + 4n, last: base + 7n },
      { first: base + 13n, last: base + 14n },
    ]);
  });

  it('gives only the free parts of reserved ranges on an unmanaged subnet, never dynamic ones', () => {
    expect(
      freeIntervals({
        cidr: makeCidr(4, base, 28),
        managed: false,
        dnsServers: [],
        ranges: [
          { type: 'reserved', first: base, last: base + 6n },
          { type: 'dynamic', first: base + 5n, last: base + 9n },
        ],
        assigned: [base + 2n],
      }),
    ).toEqual([
      { first: base + 1n, last: base + 1n },
      { first: base + 3n, last: base + 4n },
    ]);
  });
});
