import type { Cidr } from './cidr.js';
import { familyBits, type IpFamily } from './ip.js';

/** The network of `prefix` bits that contains `value` (host bits are cleared). */
export function makeCidr(family: IpFamily, value: bigint, prefix: number): Cidr {
  const hostBits = BigInt(familyBits(family) - prefix);
  const size = 1n << hostBits;
  const network = (value >> hostBits) << hostBits;
  return { family, network, prefix, first: network, last: network + size - 1n, size };
}
