import type { IpFamily } from './ip.js';

/** A network: its (host-bits-clear) address, prefix length, and first/last address and size. */
export interface Cidr {
  readonly family: IpFamily;
  readonly network: bigint;
  readonly prefix: number;
  readonly first: bigint;
  readonly last: bigint;
  readonly size: bigint;
}
