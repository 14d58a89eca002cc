import type { IpRangeView } from '../../services/ip-range-service.js';
import type { ReservedIpView } from '../../services/reserved-ip-service.js';
import type { StaticRouteView } from '../../services/static-route-service.js';
import type { SubnetView } from '../../services/subnet-views.js';
import { renderSubnet } from './render-network.js';
import { renderUser, resourceUri } from './render.js';

/** inet text as PostgreSQL prints it may carry a prefix length; the wire shows the address. */
const host = (text: string): string => text.split('/')[0] ?? text;

const subnetJson = (view: SubnetView) => renderSubnet(view.subnet, view.vlan);

/** MAAS's DISPLAYED_IPRANGE_FIELDS: the subnet and the creator (a user object or null) nested whole. */
export function renderIpRange(view: IpRangeView) {
  const { range } = view;
  return {
    id: range.id,
    type: range.type,
    start_ip: host(range.start_ip),
    end_ip: host(range.end_ip),
    comment: range.comment,
    user: view.user ? renderUser(view.user) : null,
    subnet: subnetJson(view.subnet),
    resource_uri: resourceUri('ipranges', range.id),
  };
}

/** MAAS's DISPLAYED_STATIC_ROUTE_FIELDS: source and destination subnets nested whole. */
export function renderStaticRoute(view: StaticRouteView) {
  const { route } = view;
  return {
    id: route.id,
    source: subnetJson(view.source),
    destination: subnetJson(view.destination),
    gateway_ip: host(route.gateway_ip),
    metric: route.metric,
    resource_uri: resourceUri('static-routes', route.id),
  };
}

/** MAAS 3.6's reserved IP: the subnet nested whole, the MAC null when there is none. */
export function renderReservedIp(view: ReservedIpView) {
  const { reservedIp } = view;
  return {
    id: reservedIp.id,
    ip: host(reservedIp.ip),
    subnet: subnetJson(view.subnet),
    mac_address: reservedIp.mac_address,
    comment: reservedIp.comment,
    resource_uri: resourceUri('reservedips', reservedIp.id),
  };
}
