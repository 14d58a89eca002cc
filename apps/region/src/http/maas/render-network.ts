import type { FabricRow, SpaceRow, SubnetRow } from '../../db/schema.js';
import type { VlanView } from '../../services/vlan-views.js';
import { resourceUri } from './render.js';

export type { VlanView };

/** The name MAAS shows for "no space" (`Space.UNDEFINED`), and the pseudo-space's URL key. */
export const UNDEFINED_SPACE_NAME = 'undefined';

/** MAAS's VLAN.get_name(): "untagged" for a fabric's default VLAN, else its name or its vid. */
export function vlanName(vlan: Pick<VlanView, 'isFabricDefault' | 'name' | 'vid'>): string {
  if (vlan.isFabricDefault) return 'untagged';
  // MAAS's examples (and gomaasapi, which requires a string) show an unnamed VLAN as its vid.
  return vlan.name ?? String(vlan.vid);
}

export interface RenderedVlan {
  id: number;
  name: string;
  vid: number;
  fabric: string;
  fabric_id: number;
  mtu: number;
  primary_rack: string | null;
  secondary_rack: string | null;
  dhcp_on: boolean;
  external_dhcp: string | null;
  /** The relay VLAN rendered whole, as piston renders the foreign key. */
  relay_vlan: RenderedVlan | null;
  space: string;
  description: string;
  resource_uri: string;
}

export function renderVlan(vlan: VlanView): RenderedVlan {
  return {
    id: vlan.id,
    name: vlanName(vlan),
    vid: vlan.vid,
    fabric: vlan.fabricName,
    fabric_id: vlan.fabric_id,
    mtu: vlan.mtu,
    primary_rack: vlan.primaryRack,
    secondary_rack: vlan.secondaryRack,
    dhcp_on: vlan.dhcp_on,
    external_dhcp: vlan.external_dhcp,
    relay_vlan: vlan.relayVlan ? renderVlan(vlan.relayVlan) : null,
    space: vlan.spaceName ?? UNDEFINED_SPACE_NAME,
    description: vlan.description,
    resource_uri: resourceUri('vlans', vlan.id),
  };
}

/** A fabric with its VLANs (in id order). */
export function renderFabric(
  fabric: Pick<FabricRow, 'id' | 'name' | 'class_type'>,
  vlans: readonly VlanView[],
) {
  return {
    id: fabric.id,
    name: fabric.name,
    class_type: fabric.class_type,
    vlans: vlans.map(renderVlan),
    resource_uri: resourceUri('fabrics', fabric.id),
  };
}

/** The subnet JSON of MAAS's DISPLAYED_SUBNET_FIELDS; `vlan` is the subnet's VLAN. */
export function renderSubnet(
  subnet: Pick<
    SubnetRow,
    | 'id'
    | 'name'
    | 'description'
    | 'cidr'
    | 'gateway_ip'
    | 'dns_servers'
    | 'rdns_mode'
    | 'active_discovery'
    | 'allow_dns'
    | 'allow_proxy'
    | 'managed'
    | 'disabled_boot_architectures'
  >,
  vlan: VlanView,
) {
  return {
    id: subnet.id,
    name: subnet.name,
    description: subnet.description,
    vlan: renderVlan(vlan),
    space: vlan.spaceName ?? UNDEFINED_SPACE_NAME,
    cidr: subnet.cidr,
    gateway_ip: subnet.gateway_ip,
    dns_servers: subnet.dns_servers,
    rdns_mode: subnet.rdns_mode,
    active_discovery: subnet.active_discovery,
    allow_dns: subnet.allow_dns,
    allow_proxy: subnet.allow_proxy,
    managed: subnet.managed,
    disabled_boot_architectures: subnet.disabled_boot_architectures,
    resource_uri: resourceUri('subnets', subnet.id),
  };
}

/**
 * A space with its VLANs and their subnets. `space` null is MAAS's pseudo-space "undefined"
 * (id -1), which holds the VLANs without a space, kept for Juju 2.0.
 */
export function renderSpace(
  space: Pick<SpaceRow, 'id' | 'name' | 'description'> | null,
  vlans: readonly VlanView[],
  subnets: readonly { subnet: Parameters<typeof renderSubnet>[0]; vlan: VlanView }[],
) {
  return {
    id: space ? space.id : -1,
    name: space ? space.name : UNDEFINED_SPACE_NAME,
    description: space
      ? space.description
      : 'Backward compatibility object to ensure objects not associated with a space can be found.',
    vlans: vlans.map(renderVlan),
    subnets: subnets.map(({ subnet, vlan }) => renderSubnet(subnet, vlan)),
    resource_uri: resourceUri('spaces', space ? space.id : UNDEFINED_SPACE_NAME),
  };
}
