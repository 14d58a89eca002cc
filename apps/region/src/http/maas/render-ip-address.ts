import type { AddressOverviewResult } from '../../services/address-overview.js';
import type { IpAddressView } from '../../services/ip-address-views.js';
import type { SubnetAddress } from '../../services/subnet-address-service.js';
import { renderSubnet } from './render-network.js';
import { renderUser, resourceUri } from './render.js';

/** MAAS's IPADDRESS_TYPE_CHOICES labels (maasserver/enum.py), the `alloc_type_name` of each alloc_type. */
export const allocTypeNames: Readonly<Record<number, string>> = {
  0: 'Automatic',
  1: 'Static',
  4: 'User reserved',
  5: 'DHCP',
  6: 'Observed',
};

export function allocTypeName(allocType: number): string {
  return allocTypeNames[allocType] ?? '';
}

/** How piston (DjangoJSONEncoder) writes a datetime: ISO 8601 to the millisecond, no zone (UTC here). */
export function pistonTime(date: Date): string {
  const iso = date.toISOString();
  return date.getUTCMilliseconds() === 0 ? iso.slice(0, 19) : iso.slice(0, 23);
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** MAAS's dehydrate_datetime (`%a, %d %b. %Y %H:%M:%S`, UTC), used by the subnet's `ip_addresses` op. */
export function dehydrateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()] ?? ''}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()] ?? ''}. ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/**
 * An address as `ipaddresses/` renders it (IPAddressesHandler.fields). Every item's
 * resource_uri is the collection's, as in MAAS (the handler's resource_uri takes no id).
 * `interface_set` holds a summary of the linked interface, not MAAS's whole interface JSON.
 */
export function renderIpAddress(view: IpAddressView) {
  const iface = view.interface;
  return {
    alloc_type: view.allocType,
    alloc_type_name: allocTypeName(view.allocType),
    created: pistonTime(view.created),
    ip: view.ip,
    owner: view.owner ? renderUser(view.owner) : null,
    interface_set: iface
      ? [
          {
            id: iface.id,
            name: iface.name,
            type: iface.type,
            mac_address: iface.macAddress,
            system_id: iface.systemId,
            resource_uri:
              iface.systemId === null ? null : resourceUri('nodes', iface.systemId, 'interfaces', iface.id),
          },
        ]
      : [],
    subnet: view.subnet && view.vlan ? renderSubnet(view.subnet, view.vlan) : null,
    resource_uri: resourceUri('ipaddresses'),
  };
}

/** An address as the subnet's `ip_addresses` op renders it (StaticIPAddress.render_json). */
export function renderSubnetAddress(
  address: SubnetAddress,
  options: { withUsername: boolean; withSummary: boolean },
) {
  const json: Record<string, unknown> = {
    ip: address.ip,
    alloc_type: address.allocType,
    created: dehydrateTime(address.created),
    updated: dehydrateTime(address.updated),
  };
  if (options.withUsername && address.username !== null) json['user'] = address.username;
  if (!options.withSummary) return json;
  const node = address.node;
  if (node) {
    json['node_summary'] = {
      system_id: node.systemId,
      node_type: node.nodeType,
      fqdn: node.fqdn,
      hostname: node.hostname,
      is_container: node.isContainer,
      via: node.via,
    };
    // As MAAS: a node's owner is shown as the address's user (observed addresses excepted).
    if (options.withUsername && address.allocType !== 6 && node.owner !== null) json['user'] = node.owner;
  }
  if (address.hostname !== null) {
    const dot = address.hostname.indexOf('.');
    json['dns_records'] = [
      {
        id: address.id,
        name: dot < 0 ? address.hostname : address.hostname.slice(0, dot),
        domain: dot < 0 ? '' : address.hostname.slice(dot + 1),
      },
    ];
  }
  return json;
}

/** The JSON of `ipaddresses/?op=overview` (a Ferrum extension; docs/api.md describes it). */
export function renderAddressOverview(overview: AddressOverviewResult, discoveredDays: number) {
  return {
    discovered_days: discoveredDays,
    subnets: overview.subnets.map((s) => ({
      subnet: s.subnet
        ? {
            id: s.subnet.id,
            name: s.subnet.name,
            cidr: s.subnet.cidr,
            resource_uri: resourceUri('subnets', s.subnet.id),
          }
        : null,
      total: s.total,
      by_alloc_type: Object.fromEntries(
        Object.entries(allocTypeNames).map(([type, name]) => [name, s.byAllocType.get(Number(type)) ?? 0]),
      ),
      by_owner: s.byOwner.map((o) => ({ owner: o.owner, count: o.count })),
      by_holder: s.byHolder.map((h) => ({
        system_id: h.systemId,
        hostname: h.hostname,
        node_type: h.nodeType,
        count: h.count,
      })),
    })),
    leak_candidates: overview.leakCandidates.map((l) => ({
      reason: l.reason,
      id: l.id,
      ip: l.ip,
      alloc_type: l.allocType,
      alloc_type_name: allocTypeName(l.allocType),
      subnet_id: l.subnetId,
      cidr: l.cidr,
      owner: l.ownerUsername,
      created: pistonTime(l.created),
      last_seen: l.lastSeen ? pistonTime(l.lastSeen) : null,
    })),
  };
}
