import { AllocType } from '../../db/schema.js';
import type { InterfaceViewWithLinks, LinkSubnet, LinkView } from '../../services/interface-store.js';
import { renderSubnet, renderVlan } from './render-network.js';
import { resourceUri } from './render.js';

/** MAAS's link modes (INTERFACE_LINK_TYPE) as the JSON spells them. */
export type LinkMode = 'auto' | 'dhcp' | 'static' | 'link_up';

/** A link's mode, from its address row (MAAS's StaticIPAddress.get_interface_link_type). */
export function linkMode(link: Pick<LinkView, 'allocType' | 'ip'>): LinkMode {
  switch (link.allocType) {
    case AllocType.auto:
      return 'auto';
    case AllocType.dhcp:
      return 'dhcp';
    case AllocType.sticky:
      return link.ip === null ? 'link_up' : 'static';
    default:
      return 'static';
  }
}

function renderLinkSubnet(subnet: LinkSubnet) {
  return renderSubnet(subnet.subnet, subnet.vlan);
}

/**
 * One link as MAAS's interface.get_links renders it: `subnet` and `ip_address` left out when
 * there is none. A DHCP link shows the address last observed on its subnet (the lease).
 */
function renderLink(iface: InterfaceViewWithLinks, link: LinkView) {
  const mode = linkMode(link);
  let ip = link.ip;
  if (mode === 'dhcp' && ip === null) {
    const lease = iface.discovered.find(
      (d) => link.subnet === null || d.subnet?.subnet.id === link.subnet.subnet.id,
    );
    ip = lease?.ip ?? null;
  }
  return {
    id: link.id,
    mode,
    ...(link.subnet ? { subnet: renderLinkSubnet(link.subnet) } : {}),
    ...(ip !== null ? { ip_address: ip } : {}),
  };
}

/** `nodes/{system_id}/interfaces/{id}/`: an interface's URI, for machines and devices alike. */
export function interfaceUri(systemId: string, id: number): string {
  return resourceUri('nodes', systemId, 'interfaces', id);
}

/**
 * MAAS's interface JSON (DISPLAYED_INTERFACE_FIELDS of api/interfaces.py) for the interface of
 * the node `systemId` (a machine's or a device's): the VLAN whole or null, links with their
 * subnets, parents and children by name, params ("" when none, as MAAS renders an empty dict
 * field), observed addresses (null when none), the effective MTU.
 */
export function renderInterface(systemId: string, iface: InterfaceViewWithLinks) {
  return {
    system_id: systemId,
    id: iface.id,
    name: iface.name,
    type: iface.type,
    vlan: iface.vlan ? renderVlan(iface.vlan) : null,
    mac_address: iface.mac_address,
    parents: iface.parents,
    children: iface.children,
    tags: iface.tags,
    enabled: iface.enabled,
    links: iface.links.map((link) => renderLink(iface, link)),
    params: Object.keys(iface.params).length > 0 ? iface.params : '',
    discovered:
      iface.discovered.length > 0
        ? iface.discovered.map((d) => ({
            ...(d.subnet ? { subnet: renderLinkSubnet(d.subnet) } : {}),
            ip_address: d.ip,
          }))
        : null,
    effective_mtu: iface.effectiveMtu,
    vendor: iface.vendor,
    product: iface.product,
    firmware_version: iface.firmware_version,
    link_connected: iface.link_connected,
    interface_speed: iface.interface_speed,
    link_speed: iface.link_speed,
    numa_node: iface.numa_node,
    sriov_max_vf: iface.sriov_max_vf,
    resource_uri: interfaceUri(systemId, iface.id),
  };
}

/** The alloc types of addresses a node holds (MAAS's static_ip_addresses: AUTO, STICKY, USER_RESERVED). */
const assigned: ReadonlySet<number> = new Set([AllocType.auto, AllocType.sticky, AllocType.userReserved]);

/**
 * A node's `ip_addresses` (MAAS's Node.ip_addresses): the addresses its links hold, in
 * interface order; when none, the addresses observed on its interfaces.
 */
export function nodeIpAddresses(interfaces: readonly InterfaceViewWithLinks[]): string[] {
  const out: string[] = [];
  for (const iface of interfaces)
    for (const link of iface.links) if (link.ip !== null && assigned.has(link.allocType)) out.push(link.ip);
  if (out.length > 0) return out;
  for (const iface of interfaces) for (const d of iface.discovered) out.push(d.ip);
  return out;
}
