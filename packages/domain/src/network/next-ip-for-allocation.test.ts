import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocatableIntervals } from './allocatable-intervals.js';
import { makeCidr } from './make-cidr.js';
import { nextIpForAllocation } from './next-ip-for-allocation.js';

const base = 0x0a000000n;
const at = (n: number): bigint => base + BigInt(n);
const subnet = { cidr: makeCidr(4, base, 24), managed: true, dnsServers: [], ranges: [] };

describe(nextIpForAllocation, () => {
  it('takes the first address of an empty subnet', () => {
    expect(nextIpForAllocation({ ...subnet, assigned: [] })).toBe(at(1));
  });

  it('fills the smallest free block first, so that large blocks stay whole', () => {
    // Free: .1–.4 (4), .6–.7 (2), .9–.254 → the two-address block.
    expect(nextIpForAllocation({ ...subnet, assigned: [at(5), at(8)] })).toBe(at(6));
  });

  it('takes the lowest of equally small blocks', () => {
    expect(nextIpForAllocation({ ...subnet, assigned: [at(1), at(3), at(5), at(7)] })).toBe(at(2));
  });

  it('returns undefined when the subnet is full', () => {
    const all = Array.from({ length: 254 }, (_, i) => at(i + 1));
    expect(nextIpForAllocation({ ...subnet, assigned: all })).toBeUndefined();
  });

  it('picks a free, allocatable address whenever one exists', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }), (taken) => {
        const input = { ...subnet, cidr: makeCidr(4, base, 24), assigned: taken.map(at) };
        const next = nextIpForAllocation(input);
        const allocatable = allocatableIntervals(input);
        const free: bigint[] = [];
        for (const i of allocatable)
          for (let a = i.first; a <= i.last; a += 1n) if (!input.assigned.includes(a)) free.push(a);
        if (free.length === 0) expect(next).toBeUndefined();
        else expect(free).toContain(next);
      }),
    );
  });
});
