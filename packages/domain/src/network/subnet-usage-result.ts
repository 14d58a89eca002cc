import type { PurposedInterval } from './used-range.js';

/** The full usage of a subnet with the counts MAAS's IPRangeStatistics derives from it. */
export interface SubnetUsage {
  /**
   * Every address of the subnet MAAS accounts for: used ranges and `unused` ones, sorted.
   * Left out with `{ ranges: false }`: 10,000 scattered addresses make 20,000 ranges.
   */
  readonly ranges?: readonly PurposedInterval[];
  /** The first and the last of those ranges; undefined when there are none. */
  readonly firstRange: PurposedInterval | undefined;
  readonly lastRange: PurposedInterval | undefined;
  /** The lowest unused block. */
  readonly firstUnused: PurposedInterval | undefined;
  readonly numAvailable: bigint;
  readonly numUnavailable: bigint;
  /** The largest unused block, the last of equals (MAAS's get_largest_unused_block). */
  readonly largestUnused: PurposedInterval | undefined;
  readonly hasGateway: boolean;
  readonly hasDynamic: boolean;
}

/** What to compute besides the counts. */
export interface SubnetUsageOptions {
  /** List every range (default true). */
  readonly ranges?: boolean;
}
