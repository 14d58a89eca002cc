/**
 * Why a range of a subnet is (un)used, as MAAS names it in `reserved_ip_ranges` and
 * `statistics` (maascommon/enums/ipranges.py IPRangePurpose).
 */
export const ipRangePurposes = [
  'unused',
  'gateway-ip',
  'reserved',
  'dynamic',
  'proposed-dynamic',
  'unmanaged',
  'assigned-ip',
  'dns-server',
  'excluded',
  'neighbour',
  'rfc-4291-2.6.1',
  'unknown',
] as const;

/** One of MAAS's IP range purposes. */
export type IpRangePurpose = (typeof ipRangePurposes)[number];
