import type { Cidr } from './cidr.js';
import { addFieldError } from './add-field-error.js';
import { formatCidr } from './format-cidr.js';
import type { Ip } from './ip.js';
import type { IpInterval } from './ip-interval.js';
import { ipRangeRoom } from './ip-range-room.js';
import { parseIp } from './parse-ip.js';

const rangeTypes = ['dynamic', 'reserved'] as const;

/** The input of checkIpRange. */
export interface CheckIpRangeInput {
  readonly cidr: Cidr;
  readonly type: string;
  readonly startIp: string;
  readonly endIp: string;
  /** The subnet's other ranges (leave the one being updated out). */
  readonly others: readonly {
    readonly id: number;
    readonly type: string;
    readonly first: bigint;
    readonly last: bigint;
  }[];
  readonly gatewayIp?: Ip | undefined;
  readonly managed: boolean;
  readonly dnsServers?: readonly Ip[] | undefined;
  /** Gateways of static routes from this subnet: a dynamic range may not cover them. */
  readonly staticRouteGateways?: readonly Ip[] | undefined;
  /** Allocated, not merely discovered, addresses of the subnet: a dynamic range may not cover them. */
  readonly assigned?: readonly bigint[] | undefined;
  /** Reserved IPs (`reservedips/`): a dynamic range may not include them. */
  readonly reservedIps?: readonly bigint[] | undefined;
  /** The range's values before this update: a dynamic range may grow around its own leases. */
  readonly previous?: { readonly type: string; readonly first: bigint; readonly last: bigint } | undefined;
}

const contains = (room: readonly IpInterval[], first: bigint, last: bigint): boolean =>
  room.some((r) => r.first <= first && last <= r.last);

/**
 * Checks a new or changed IP range as MAAS's IPRangeForm and IPRange.clean do, with their
 * messages and fields; after the first model-level failure MAAS stops, and so do we. Empty when
 * fine. MAAS's conflict message does not name what the range collides with; we keep its text.
 */
export function checkIpRange(input: CheckIpRangeInput): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const type = rangeTypes.find((t) => t === input.type);
  if (input.type === '') addFieldError(errors, 'type', 'This field is required.');
  else if (type === undefined) {
    addFieldError(
      errors,
      'type',
      `Select a valid choice. ${input.type} is not one of the available choices.`,
    );
  }
  const parse = (field: string, text: string): Ip | undefined => {
    if (text.trim() === '') addFieldError(errors, field, 'This field is required.');
    else if (parseIp(text.trim()) === undefined)
      addFieldError(errors, field, 'Enter a valid IPv4 or IPv6 address.');
    return parseIp(text.trim());
  };
  const start = parse('start_ip', input.startIp);
  const end = parse('end_ip', input.endIp);
  if (type === undefined || start === undefined || end === undefined) return errors;

  // IPRangeForm.clean, which Django runs before the model's clean.
  if (type === 'dynamic' && (input.reservedIps ?? []).some((ip) => ip >= start.value && ip <= end.value)) {
    addFieldError(errors, '__all__', 'The dynamic IP range cannot include reserved IPs.');
  }
  const fail = (
    message: string,
    fields: readonly string[] = ['start_ip', 'end_ip'],
  ): Record<string, string[]> => {
    for (const field of fields) addFieldError(errors, field, message);
    return errors;
  };
  if (start.family !== end.family) {
    return fail('Start IP address and end IP address must be in the same address family.');
  }
  if (end.value < start.value)
    return fail('End IP address must not be less than Start IP address.', ['end_ip']);
  const { cidr } = input;
  const inside = (ip: Ip): boolean =>
    ip.family === cidr.family && ip.value >= cidr.first && ip.value <= cidr.last;
  const subnet = formatCidr(cidr);
  if (!inside(start) && !inside(end)) return fail(`IP addresses must be within subnet: ${subnet}.`);
  if (!inside(start)) return fail(`Start IP address must be within subnet: ${subnet}.`, ['start_ip']);
  if (!inside(end)) return fail(`End IP address must be within subnet: ${subnet}.`, ['end_ip']);
  // MAAS checks these on every prefix length, /31 and /32 included (there netaddr has no
  // broadcast address, so only the network-address rule bites).
  if (start.value === cidr.network) {
    return fail('Reserved network address cannot be included in IP range.', ['start_ip']);
  }
  if (cidr.family === 4 && cidr.prefix <= 30 && end.value === cidr.last) {
    return fail('Broadcast address cannot be included in IP range.', ['end_ip']);
  }
  if (start.family === 6 && type === 'dynamic' && end.value - start.value + 1n < 256n) {
    return fail('IPv6 dynamic range must be at least 256 addresses in size.');
  }

  const room = ipRangeRoom(input, type);
  if (room.length === 0) return fail(`There is no room for any ${type} ranges on this subnet.`);
  if (contains(room, start.value, end.value)) return errors;
  if (type === 'dynamic' && input.previous?.type === 'dynamic') {
    // IPRange._is_existing_dynamic_range_resize_allowed: only the added parts must be free.
    const { first: oldFirst, last: oldLast } = input.previous;
    const added: [bigint, bigint][] = [];
    const leftEnd = end.value < oldFirst - 1n ? end.value : oldFirst - 1n;
    if (start.value <= leftEnd) added.push([start.value, leftEnd]);
    const rightStart = start.value > oldLast + 1n ? start.value : oldLast + 1n;
    if (rightStart <= end.value) added.push([rightStart, end.value]);
    if (added.every(([first, last]) => contains(room, first, last))) return errors;
  }
  return fail(
    type === 'reserved'
      ? 'Requested reserved range conflicts with an existing range.'
      : 'Requested dynamic range conflicts with an existing IP address or range.',
  );
}
