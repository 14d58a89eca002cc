import type { Cidr } from './cidr.js';
import { cidrContains } from './cidr-contains.js';
import { addFieldError } from './add-field-error.js';
import type { Ip } from './ip.js';
import { parseCidr } from './parse-cidr.js';
import { parseIp } from './parse-ip.js';

// Django's GenericIPAddressField message.
const invalidAddress = 'Enter a valid IPv4 or IPv6 address.';

// fe80::/10: MAAS (Subnet.validate_gateway_ip) lets an IPv6 subnet's gateway be link-local.
const isIpv6LinkLocal = (ip: Ip): boolean => ip.family === 6 && ip.value >> 118n === 0x3fan;

/**
 * Checks a subnet's cidr, gateway_ip and dns_servers as MAAS's SubnetForm and Subnet model do,
 * with MAAS's messages. A CIDR with host bits set is accepted and normalised (MAAS's CIDRField
 * stores `IPNetwork(v).cidr`); prefix 0 is refused; a prefix too long for the family is a
 * format error, as netaddr makes it. dns_servers entries may each hold several addresses
 * separated by commas or white space (IPListFormField); DNS servers need not be in the subnet.
 * Returns the parsed values alongside the errors.
 */
export function checkSubnetFields(input: {
  cidr: string;
  gatewayIp?: string | undefined;
  dnsServers?: readonly string[] | undefined;
}): { errors: Record<string, string[]>; cidr?: Cidr; gatewayIp?: Ip; dnsServers?: Ip[] } {
  const errors: Record<string, string[]> = {};
  let cidr: Cidr | undefined;
  if (input.cidr.trim() === '') {
    addFieldError(errors, 'cidr', 'This field is required.');
  } else {
    const parsed = parseCidr(input.cidr.trim());
    if (!('cidr' in parsed)) addFieldError(errors, 'cidr', 'Required format: <network>/<prefixlen>.');
    else if (parsed.cidr.prefix === 0) addFieldError(errors, 'cidr', 'Prefix length must be greater than 0.');
    else cidr = parsed.cidr;
  }

  let gatewayIp: Ip | undefined;
  const gatewayText = input.gatewayIp?.trim() ?? '';
  if (gatewayText !== '') {
    gatewayIp = parseIp(gatewayText);
    if (gatewayIp === undefined) {
      addFieldError(errors, 'gateway_ip', invalidAddress);
    } else if (
      cidr !== undefined &&
      !cidrContains(cidr, gatewayIp) &&
      !(cidr.family === 6 && isIpv6LinkLocal(gatewayIp))
    ) {
      addFieldError(errors, 'gateway_ip', 'Gateway IP must be within CIDR range.');
    }
  }

  const dnsServers: Ip[] = [];
  for (const entry of input.dnsServers ?? []) {
    for (const text of entry.split(/[,\s]+/).filter((t) => t !== '')) {
      const ip = parseIp(text);
      // MAAS raises this from the form's clean(), so it lands in __all__; we name the field.
      if (ip === undefined) {
        addFieldError(
          errors,
          'dns_servers',
          `Invalid IP address: ${text}; provide a list of space-separated IP addresses`,
        );
      } else {
        dnsServers.push(ip);
      }
    }
  }
  return {
    errors,
    ...(cidr === undefined ? {} : { cidr }),
    ...(gatewayIp === undefined ? {} : { gatewayIp }),
    ...(input.dnsServers === undefined ? {} : { dnsServers }),
  };
}
