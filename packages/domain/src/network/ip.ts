/** IPv4 or IPv6. */
export type IpFamily = 4 | 6;

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface Ip {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** Number of bits in an address of the family. */
export function familyBits(family: IpFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}
