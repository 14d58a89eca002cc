import { normaliseMac } from '@ferrum/domain';
import type { JsonObject, ResourceFields } from './lxd-resource-fields.js';

/** A physical NIC port as commissioning found it (MAAS's parse_interfaces). */
export interface InventoryNic {
  /** Lower case, colon separated. */
  readonly mac: string;
  /** The kernel's name for the port (`eth0`, `enp5s0`). */
  readonly name: string;
  readonly vendor: string | null;
  readonly product: string | null;
  readonly firmwareVersion: string | null;
  readonly linkConnected: boolean;
  /** Mbit/s the link runs at (0 when down or unknown). */
  readonly linkSpeed: number;
  /** Mbit/s: the fastest mode the port supports (0 when it does not say). */
  readonly interfaceSpeed: number;
  readonly numaNode: number;
  readonly sriovMaxVf: number;
  /** The card's slot: its PCI address, or `bus:device` on USB (what its node device is known by). */
  readonly deviceAddress: string | null;
}

/** `25000baseCR/Full` → 25000 (Mbit/s), as MAAS's _parse_interface_speed reads ethtool's modes. */
function modeSpeed(mode: string): number {
  const speed = Number.parseInt(mode.split('base')[0] ?? '', 10);
  return Number.isFinite(speed) ? speed : 0;
}

/**
 * The ports of `network.cards` (one interface each, keyed by MAC). A port's link is connected
 * when the port detects a carrier and, when `networks` knows the interface, it is up (MAAS's
 * update_physical_interface). Ports without a MAC, and InfiniBand ones (20-byte addresses, LP
 * 1939456), are left out, as are SR-IOV virtual functions (MAAS models them only on machines
 * that are not deployed, and they come and go with the OS's configuration).
 */
export function parseNics(
  fields: ResourceFields,
  network: JsonObject,
  path: string,
  networks: JsonObject | undefined,
): InventoryNic[] {
  const nics: InventoryNic[] = [];
  const seen = new Set<string>();
  for (const { value: card, path: cardPath } of fields.objects(network, 'cards', path)) {
    const vendor = fields.string(card, 'vendor', cardPath) ?? null;
    const product = fields.string(card, 'product', cardPath) ?? null;
    const firmwareVersion = fields.string(card, 'firmware_version', cardPath) ?? null;
    const numaNode = fields.count(card, 'numa_node', cardPath) ?? 0;
    const sriov = fields.object(card, 'sriov', cardPath);
    const sriovMaxVf = (sriov && fields.count(sriov, 'maximum_vfs', `${cardPath}.sriov`)) ?? 0;
    const deviceAddress =
      (
        fields.string(card, 'pci_address', cardPath) ?? fields.string(card, 'usb_address', cardPath)
      )?.toLowerCase() ?? null;
    for (const { value: port, path: at } of fields.objects(card, 'ports', cardPath)) {
      const name = fields.string(port, 'id', at, true);
      const address = fields.string(port, 'address', at);
      const linkDetected = fields.bool(port, 'link_detected', at) ?? false;
      const linkSpeed = fields.count(port, 'link_speed', at) ?? 0;
      const modes = fields.strings(port, 'supported_modes', at) ?? [];
      if (name === undefined || address === undefined) continue;
      // 20-byte InfiniBand hardware addresses: MAAS does not model them.
      if (address.split(':').length > 6) continue;
      const mac = normaliseMac(address);
      if (!mac) {
        fields.add(`${at}.address`, `'${address}' is not a valid MAC address.`);
        continue;
      }
      if (seen.has(mac)) continue;
      seen.add(mac);
      const state = networks ? stateOf(networks[name]) : undefined;
      const linkConnected = linkDetected && (state === undefined || state === 'up');
      nics.push({
        mac,
        name,
        vendor,
        product,
        firmwareVersion,
        linkConnected,
        linkSpeed: linkConnected ? linkSpeed : 0,
        interfaceSpeed: modes.reduce((max, mode) => Math.max(max, modeSpeed(mode)), 0),
        numaNode,
        sriovMaxVf,
        deviceAddress,
      });
    }
  }
  return nics;
}

/** The `state` of an entry of the document's `networks` (LXD's network state: "up", "down"). */
function stateOf(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const state = (entry as { state?: unknown }).state;
  return typeof state === 'string' ? state : undefined;
}
