import { AllocType } from '../../db/schema.js';
import type { InterfaceViewWithLinks, LinkView } from '../../services/interface-store.js';

export interface Gateway {
  readonly gateway_ip: string | null;
  readonly link_id: number | null;
}

/** What the default gateways are chosen from: the machine's explicit choices and its interfaces. */
export interface GatewaySource {
  readonly machine: {
    readonly gateway_link_ipv4_id: string | null;
    readonly gateway_link_ipv6_id: string | null;
  };
  readonly interfaces: readonly InterfaceViewWithLinks[];
}

const isIpv6 = (ip: string) => ip.includes(':');

/** MAAS's interface preference for the default route: bonds and bridges, the boot NIC, other NICs, VLANs. */
function interfaceRank(iface: InterfaceViewWithLinks): number {
  switch (iface.type) {
    case 'bond':
    case 'bridge':
      return 1;
    case 'physical':
      return iface.is_boot ? 2 : 3;
    case 'vlan':
      return 4;
    case 'alias':
      return 5;
    default:
      return 6;
  }
}

/** Sticky addresses over reservations over AUTO ones. */
function allocRank(link: LinkView): number {
  if (link.allocType === AllocType.sticky) return 1;
  if (link.allocType === AllocType.userReserved) return 2;
  if (link.allocType === AllocType.auto) return 3;
  return 4 + link.allocType;
}

/**
 * The machine JSON's `default_gateways` (MAAS's NodeHandler.default_gateways): per family, the
 * gateway of the link chosen with set_default_gateway (`link_id`), else MAAS's best guess
 * (Node.get_best_guess_for_default_gateways: a link whose subnet has a gateway, preferring
 * VLANs with DHCP, then by interface kind, then sticky over AUTO; `link_id` stays null).
 */
export function defaultGateways(source: GatewaySource): { ipv4: Gateway; ipv6: Gateway } {
  const candidates: {
    link: LinkView;
    iface: InterfaceViewWithLinks;
    gateway: string;
  }[] = [];
  for (const iface of source.interfaces)
    for (const link of iface.links) {
      const gateway = link.subnet?.subnet.gateway_ip;
      if (gateway === null || gateway === undefined || gateway === '') continue;
      if (link.allocType === AllocType.dhcp) continue;
      candidates.push({ link, iface, gateway });
    }
  const pick = (ipv6: boolean, chosenId: string | null): Gateway => {
    const family = candidates.filter((c) => isIpv6(c.gateway) === ipv6);
    const linkId = chosenId === null ? null : Number(chosenId);
    const chosen = linkId === null ? undefined : family.find((c) => c.link.id === linkId);
    if (chosen) return { gateway_ip: chosen.gateway, link_id: linkId };
    const best = [...family].sort(
      (a, b) =>
        Number(b.link.subnet?.vlan.dhcp_on ?? false) - Number(a.link.subnet?.vlan.dhcp_on ?? false) ||
        interfaceRank(a.iface) - interfaceRank(b.iface) ||
        allocRank(a.link) - allocRank(b.link) ||
        a.iface.id - b.iface.id,
    )[0];
    return { gateway_ip: best?.gateway ?? null, link_id: linkId };
  };
  return {
    ipv4: pick(false, source.machine.gateway_link_ipv4_id),
    ipv6: pick(true, source.machine.gateway_link_ipv6_id),
  };
}
