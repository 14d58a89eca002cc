import { describe, expect, it } from 'vitest';
import { makeCidr } from './make-cidr.js';
import { suggestDynamicRange, suggestGateway } from './subnet-suggestions.js';
import type { PurposedInterval } from './used-range.js';

const base = 0x0a000000n;
const unused = (first: number, last: number): PurposedInterval => ({
  first: base + BigInt(first),
  last: base + BigInt(last),
  purposes: ['unused'],
});
const used = (first: number, last: number): PurposedInterval => ({
  first: base + BigInt(first),
  last: base + BigInt(last),
  purposes: ['assigned-ip'],
});

/** The parts of a usage suggestGateway looks at, from its ranges. */
const usageOf = (ranges: readonly PurposedInterval[]) => ({
  firstRange: ranges[0],
  lastRange: ranges.at(-1),
  firstUnused: ranges.find((r) => r.purposes.includes('unused')),
});

describe(suggestGateway, () => {
  const cidr = makeCidr(4, base, 24);
  const counts = { total: 254n, available: 200n };

  it('prefers the first address, then the last, then the first free one', () => {
    expect(suggestGateway(cidr, usageOf([unused(1, 254)]), counts)).toBe(base + 1n);
    expect(suggestGateway(cidr, usageOf([used(1, 1), unused(2, 254)]), counts)).toBe(base + 254n);
    expect(suggestGateway(cidr, usageOf([used(1, 1), unused(2, 9), used(10, 254)]), counts)).toBe(base + 2n);
    expect(suggestGateway(cidr, usageOf([used(1, 254)]), counts)).toBeUndefined();
  });

  it('gives the IPv6 subnet-router anycast address', () => {
    const v6 = makeCidr(6, 0x20010db8n << 96n, 64);
    expect(suggestGateway(v6, usageOf([]), { total: 1n << 64n, available: 1n })).toBe(v6.network);
    expect(suggestGateway(v6, usageOf([]), { total: 2n, available: 2n })).toBeUndefined();
  });
});

describe(suggestDynamicRange, () => {
  it('keeps the gateway out and takes at most a quarter of the subnet', () => {
    // /24 empty: the block .1–.254, gateway .1 → .2–.254 (253) > 63 → .191–.254.
    expect(suggestDynamicRange(unused(1, 254), base + 1n, { total: 254n, available: 254n })).toEqual({
      first: base + 191n,
      last: base + 254n,
    });
  });

  it('takes half of the free space when the block would take it all', () => {
    expect(suggestDynamicRange(unused(50, 59), undefined, { total: 254n, available: 10n })).toEqual({
      first: base + 55n,
      last: base + 59n,
    });
  });

  it('gives nothing for a single free address or nothing free', () => {
    expect(suggestDynamicRange(unused(5, 5), base + 5n, { total: 254n, available: 1n })).toBeUndefined();
    expect(suggestDynamicRange(unused(5, 5), undefined, { total: 254n, available: 1n })).toBeUndefined();
    expect(suggestDynamicRange(undefined, undefined, { total: 254n, available: 0n })).toBeUndefined();
  });
});
