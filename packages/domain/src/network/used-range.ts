import type { IpRangePurpose } from './ip-range-purpose.js';

/** One reason an inclusive range of a subnet is in use (before ranges are condensed). */
export interface UsedRange {
  readonly first: bigint;
  readonly last: bigint;
  readonly purpose: IpRangePurpose;
}

/** A condensed range: overlapping uses merged, their purposes joined (sorted, as MAAS renders them). */
export interface PurposedInterval {
  readonly first: bigint;
  readonly last: bigint;
  readonly purposes: readonly IpRangePurpose[];
}
