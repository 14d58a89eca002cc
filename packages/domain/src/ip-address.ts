// Textual IP addresses, checked without the network stack (the domain does no I/O).

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 address: four decimal octets 0–255, no leading zeros. */
export function isIpv4Address(text: string): boolean {
  return ipv4Pattern.test(text);
}

/** An IPv6 address in any of its textual forms (with `::` at most once, optionally ending in IPv4). */
export function isIpv6Address(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text) || text.includes(':::') || text.split('::').length > 2) return false;
  let groups = text.split(':');
  const last = groups.at(-1) ?? '';
  if (last.includes('.')) {
    if (!isIpv4Address(last)) return false;
    groups = [...groups.slice(0, -1), '0', '0'];
  }
  const compressed = text.includes('::');
  const filled = groups.filter((g) => g !== '');
  if (!filled.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  return compressed ? filled.length <= 7 : groups.length === 8;
}

/** An IPv4 or IPv6 address. */
export function isIpAddress(text: string): boolean {
  return isIpv4Address(text) || isIpv6Address(text);
}
