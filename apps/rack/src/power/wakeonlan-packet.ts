import { Buffer } from 'node:buffer';

/**
 * The six bytes of a MAC address in any form MAAS takes: `aa:bb:cc:dd:ee:ff` or
 * `aa-bb-cc-dd-ee-ff` (one-digit octets allowed, as `a:b:c:d:e:f`), Cisco's `aabb.ccdd.eeff`
 * (3 or 4 digits a group), or 12 bare hex digits; any case, surrounding spaces ignored.
 * Undefined when it is none of them.
 */
export function parseMacBytes(text: string): Buffer | undefined {
  const mac = text.trim().toLowerCase();
  let octets: string[];
  if (/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/.test(mac) || /^([0-9a-f]{1,2}-){5}[0-9a-f]{1,2}$/.test(mac))
    octets = mac.split(/[:-]/).map((o) => o.padStart(2, '0'));
  else if (/^([0-9a-f]{3,4}\.){2}[0-9a-f]{3,4}$/.test(mac))
    octets = mac.split('.').flatMap((g) => g.padStart(4, '0').match(/../g) ?? []);
  else if (/^[0-9a-f]{12}$/.test(mac)) octets = mac.match(/../g) ?? [];
  else return undefined;
  return Buffer.from(octets.join(''), 'hex');
}

/** A Wake-on-LAN magic packet: six 0xFF bytes, then the MAC sixteen times (102 bytes). */
export function magicPacket(mac: Buffer): Buffer {
  if (mac.length !== 6) throw new RangeError('a MAC address is 6 bytes');
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => mac)]);
}
