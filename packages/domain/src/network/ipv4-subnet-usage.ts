import { purposeBit, purposesOfMask } from './purpose-mask.js';
import type { AddressValues, SubnetUsageInput } from './subnet-usage-input.js';
import type { SubnetUsage } from './subnet-usage-result.js';
import { usableInterval } from './usable-interval.js';
import type { PurposedInterval } from './used-range.js';
import { usedRanges } from './used-ranges.js';

const assignedBit = purposeBit('assigned-ip');
const unusedBit = purposeBit('unused');
const gatewayBit = purposeBit('gateway-ip');
const dynamicBit = purposeBit('dynamic');

/** The addresses of [lo, hi] as sorted numbers; a sorted Uint32Array is taken as it is. */
function sortedAddresses(assigned: AddressValues, lo: bigint, hi: bigint): Uint32Array {
  let values: Uint32Array;
  let copied = false;
  if (assigned instanceof Uint32Array) values = assigned;
  else {
    values = new Uint32Array(assigned.length);
    let n = 0;
    for (const v of assigned) if (v >= lo && v <= hi) values[n++] = Number(v);
    values = values.subarray(0, n);
    copied = true;
  }
  for (let i = 1; i < values.length; i++) {
    if ((values[i - 1] ?? 0) > (values[i] ?? 0)) return copied ? values.sort() : values.slice().sort();
  }
  return values;
}

/**
 * The walk of subnetUsage on numbers (IPv4 values and counts fit a double exactly). Uses come
 * in order of their first address; they are merged when they overlap (purposes joined), then
 * joined when adjacent with the same purposes (condenseRanges, one use at a time), and the
 * gaps of the usable addresses between them are the `unused` ranges. -1 marks "none yet".
 */
class Ipv4UsageWalk {
  // The use being merged (overlapping uses), then the one being joined (adjacent, same purposes).
  private mergeFirst = -1;
  private mergeLast = -1;
  private mergeMask = 0;
  private joinFirst = -1;
  private joinLast = -1;
  private joinMask = 0;
  private cursor: number;
  numAvailable = 0;
  numUnavailable = 0;
  /** The purposes of every use. */
  mask = 0;
  readonly first = { first: -1, last: -1, mask: 0 };
  readonly last = { first: -1, last: -1, mask: 0 };
  readonly firstUnused = { first: -1, last: -1 };
  readonly largestUnused = { first: -1, last: -1 };

  constructor(
    start: number,
    private readonly end: number,
  ) {
    this.cursor = start;
  }

  /** The next use, in order of first address, clipped to the subnet. */
  use(first: number, last: number, mask: number): void {
    if (this.mergeFirst >= 0 && first <= this.mergeLast) {
      if (last > this.mergeLast) this.mergeLast = last;
      this.mergeMask |= mask;
      return;
    }
    if (this.mergeFirst >= 0) this.join(this.mergeFirst, this.mergeLast, this.mergeMask);
    this.mergeFirst = first;
    this.mergeLast = last;
    this.mergeMask = mask;
  }

  /** After the last use: the uses held back and the unused rest. */
  finish(): void {
    if (this.mergeFirst >= 0) this.join(this.mergeFirst, this.mergeLast, this.mergeMask);
    if (this.joinFirst >= 0) this.used(this.joinFirst, this.joinLast, this.joinMask);
    if (this.cursor <= this.end) this.unused(this.cursor, this.end);
  }

  private join(first: number, last: number, mask: number): void {
    if (this.joinFirst >= 0 && first === this.joinLast + 1 && mask === this.joinMask) {
      this.joinLast = last;
      return;
    }
    if (this.joinFirst >= 0) this.used(this.joinFirst, this.joinLast, this.joinMask);
    this.joinFirst = first;
    this.joinLast = last;
    this.joinMask = mask;
  }

  /** A condensed use. */
  private used(first: number, last: number, mask: number): void {
    const { cursor, end } = this;
    if (cursor < first && cursor <= end) this.unused(cursor, first <= end ? first - 1 : end);
    this.add(first, last, mask);
    this.numUnavailable += last - first + 1;
    this.mask |= mask;
    if (last >= cursor) this.cursor = last + 1;
  }

  private unused(first: number, last: number): void {
    const size = last - first + 1;
    this.numAvailable += size;
    if (this.firstUnused.first < 0) {
      this.firstUnused.first = first;
      this.firstUnused.last = last;
    }
    // MAAS keeps the last of equally large blocks.
    const largest = this.largestUnused;
    if (largest.first < 0 || size >= largest.last - largest.first + 1) {
      largest.first = first;
      largest.last = last;
    }
    this.add(first, last, unusedBit);
  }

  /** Remembers the first and the last range. */
  private add(first: number, last: number, mask: number): void {
    if (this.first.first < 0) {
      this.first.first = first;
      this.first.last = last;
      this.first.mask = mask;
    }
    this.last.first = first;
    this.last.last = last;
    this.last.mask = mask;
  }
}

function interval(first: number, last: number, mask: number): PurposedInterval {
  const low = BigInt(first);
  return { first: low, last: first === last ? low : BigInt(last), purposes: purposesOfMask(mask) };
}

function intervalOrNone(r: { first: number; last: number; mask?: number }): PurposedInterval | undefined {
  return r.first < 0 ? undefined : interval(r.first, r.last, r.mask ?? unusedBit);
}

/**
 * subnetUsage of an IPv4 subnet without the ranges listed, on plain numbers: the few uses other
 * than assigned addresses (gateway, DNS servers, ranges) sorted, then merged in one pass with
 * the sorted assigned addresses; no BigInt and no object per address.
 */
export function ipv4SubnetUsage(input: SubnetUsageInput): Omit<SubnetUsage, 'ranges'> {
  const { cidr } = input;
  const lo = Number(cidr.first);
  const hi = Number(cidr.last);
  const others: { first: number; last: number; mask: number }[] = [];
  for (const r of usedRanges(input, { assigned: false })) {
    const first = Math.max(Number(r.first), lo);
    const last = Math.min(Number(r.last), hi);
    if (first <= last) others.push({ first, last, mask: purposeBit(r.purpose) });
  }
  others.sort((a, b) => a.first - b.first);
  const addresses = sortedAddresses(input.assigned, cidr.first, cidr.last);
  const usable = usableInterval(cidr);
  const walk = new Ipv4UsageWalk(
    usable === undefined ? hi + 1 : Number(usable.first),
    usable === undefined ? lo - 1 : Number(usable.last),
  );
  let a = 0;
  for (const other of others) {
    for (; a < addresses.length; a++) {
      const address = addresses[a] ?? 0;
      if (address >= other.first) break;
      if (address >= lo && address <= hi) walk.use(address, address, assignedBit);
    }
    walk.use(other.first, other.last, other.mask);
  }
  for (; a < addresses.length; a++) {
    const address = addresses[a] ?? 0;
    if (address >= lo && address <= hi) walk.use(address, address, assignedBit);
  }
  walk.finish();
  return {
    firstRange: intervalOrNone(walk.first),
    lastRange: intervalOrNone(walk.last),
    firstUnused: intervalOrNone(walk.firstUnused),
    numAvailable: BigInt(walk.numAvailable),
    numUnavailable: BigInt(walk.numUnavailable),
    largestUnused: intervalOrNone(walk.largestUnused),
    hasGateway: (walk.mask & gatewayBit) !== 0,
    hasDynamic: (walk.mask & dynamicBit) !== 0,
  };
}
