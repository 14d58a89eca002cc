import { ipRangePurposes, type IpRangePurpose } from './ip-range-purpose.js';

// Purposes as bits so that joining and comparing sets is cheap with 10,000+ ranges.
const bitOf = new Map<IpRangePurpose, number>(ipRangePurposes.map((p, i) => [p, 1 << i]));

const purposeLists = new Map<number, readonly IpRangePurpose[]>();

/** The bit of a purpose in a purpose mask (a set of purposes as one integer). */
export function purposeBit(purpose: IpRangePurpose): number {
  return bitOf.get(purpose) ?? 0;
}

/** The purposes of a mask, sorted by name as MAAS's render_json sorts the set; one frozen list per mask. */
export function purposesOfMask(mask: number): readonly IpRangePurpose[] {
  let list = purposeLists.get(mask);
  if (list === undefined) {
    list = Object.freeze(ipRangePurposes.filter((_, i) => (mask & (1 << i)) !== 0).sort());
    purposeLists.set(mask, list);
  }
  return list;
}
