/** An inclusive range of address values; the family is implied by context. */
export interface IpInterval {
  readonly first: bigint;
  readonly last: bigint;
}
