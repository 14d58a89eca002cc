import { hostnameError, normaliseMac, splitFqdn } from '@ferrum/domain';

/** What `devices/` create and `devices/{system_id}/` update read (MAAS's DeviceWithMACsForm). */
export interface DeviceInput {
  readonly hostname?: string | undefined;
  readonly description?: string | undefined;
  readonly domain?: string | undefined;
  /** The system_id of the parent machine. */
  readonly parent?: string | undefined;
  readonly zone?: string | undefined;
  /** Create only: one physical interface each. */
  readonly macAddresses?: readonly string[] | undefined;
}

/** The fields of a device input once checked: MACs normalised, hostname split from its domain. */
export interface CheckedDeviceInput {
  readonly macs: readonly string[];
  /** The host label; undefined when none is given (or a name must be generated). */
  readonly host: string | undefined;
  /** The domain named by the `domain` field, else by the hostname's FQDN. */
  readonly domain: string | undefined;
  readonly problems: Record<string, string>;
}

// MAAS's IP_BASED_HOSTNAME_REGEXP: a name made from an address by reverse DNS
// (`10-0-0-5`) is replaced by a generated one.
const ipBasedHostname = /^\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}/;

/** How many MAC problems MAAS lists before "and N more errors" (merge_error_messages). */
const maxMessages = 10;

/**
 * MAAS's summary of the mac_addresses errors when more than one MAC was given: "One or more
 * MAC addresses is invalid. (a — b and 2 more errors)".
 */
export function macAddressesMessage(given: number, errors: readonly string[]): string {
  if (given <= 1) return errors.join(' ');
  const more = errors.length - maxMessages;
  const ellipsis = more > 0 ? ` and ${String(more)} more error${more > 1 ? 's' : ''}` : '';
  return `One or more MAC addresses is invalid. (${errors.slice(0, maxMessages).join(' \u2014 ')}${ellipsis})`;
}

/**
 * Checks what a request gives, as MAAS's form would: on create at least one MAC (empty
 * values are dropped, repeats are one interface), every MAC valid, and a valid hostname.
 */
export function checkDeviceInput(input: DeviceInput, creating: boolean): CheckedDeviceInput {
  const problems: Record<string, string> = {};
  const given = (input.macAddresses ?? []).filter((mac) => mac !== '');
  const macs: string[] = [];
  const macErrors: string[] = [];
  for (const mac of given) {
    const normalised = normaliseMac(mac);
    if (!normalised) macErrors.push(`'${mac}' is not a valid MAC address.`);
    else if (!macs.includes(normalised)) macs.push(normalised);
  }
  if (creating && given.length === 0) problems['mac_addresses'] = 'This field is required.';
  else if (macErrors.length > 0) problems['mac_addresses'] = macAddressesMessage(given.length, macErrors);

  let host: string | undefined;
  let fqdnDomain: string | undefined;
  const hostname = input.hostname?.trim();
  if (hostname !== undefined && hostname !== '') {
    const problem = hostnameError(hostname);
    if (problem) problems['hostname'] = problem;
    else {
      const parts = splitFqdn(hostname);
      host = creating && ipBasedHostname.test(parts.host) ? undefined : parts.host;
      fqdnDomain = parts.domain;
    }
  }
  const domain = input.domain !== undefined && input.domain !== '' ? input.domain : fqdnDomain;
  return { macs, host, domain, problems };
}
