import { formatIp } from './format-ip.js';
import type { IpFamily } from './ip.js';
import type { IpRangePurpose } from './ip-range-purpose.js';

/** A range as MAAS renders it (MAASIPRange.render_json without purpose). */
export interface UnreservedIpRange {
  readonly start: string;
  readonly end: string;
  /** Exact count; may exceed 2^53 on IPv6 (serialize with stringifyJson). */
  readonly num_addresses: bigint;
}

/** A range with its purposes, as MAAS renders it (MAASIPRange.render_json). */
export interface ReservedIpRange extends UnreservedIpRange {
  readonly purpose: readonly IpRangePurpose[];
}

/** MAAS's JSON for one range. */
export function renderIpRange(family: IpFamily, first: bigint, last: bigint): UnreservedIpRange;
export function renderIpRange(
  family: IpFamily,
  first: bigint,
  last: bigint,
  purposes: readonly IpRangePurpose[],
): ReservedIpRange;
export function renderIpRange(
  family: IpFamily,
  first: bigint,
  last: bigint,
  purposes?: readonly IpRangePurpose[],
): UnreservedIpRange | ReservedIpRange {
  const start = formatIp({ family, value: first });
  const end = formatIp({ family, value: last });
  const count = last - first + 1n;
  // Object literals rather than a spread: statistics render tens of thousands of ranges.
  return purposes === undefined
    ? { start, end, num_addresses: count }
    : { start, end, num_addresses: count, purpose: purposes };
}
