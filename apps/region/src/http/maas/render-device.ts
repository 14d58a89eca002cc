import type { DeviceView } from '../../services/device-store.js';
import { renderDomain, renderZone, resourceUri } from './render.js';
import { nodeIpAddresses, renderInterface } from './render-interface.js';

/** MAAS's device JSON (DISPLAYED_DEVICE_FIELDS of api/devices.py) plus `pool: null` for gomaasapi. */
export function renderDevice(view: DeviceView) {
  const d = view.device;
  return {
    system_id: d.system_id,
    hostname: d.hostname,
    description: d.description,
    domain: renderDomain(view.domain, 0),
    fqdn: `${d.hostname}.${view.domain.name}`,
    owner: view.ownerName,
    owner_data: d.owner_data,
    parent: view.parentSystemId,
    tag_names: view.tags,
    address_ttl: null,
    ip_addresses: nodeIpAddresses(view.interfaces),
    interface_set: view.interfaces.map((iface) => renderInterface(d.system_id, iface)),
    zone: renderZone(view.zone),
    // Not in MAAS's device JSON, but gomaasapi's device_2_0 schema requires the key (a device
    // has no pool: null); without it Juju cannot read a device ("device 2.0 schema check failed").
    pool: null,
    node_type: 1,
    node_type_name: 'Device',
    workload_annotations: d.workload_annotations,
    resource_uri: resourceUri('devices', d.system_id),
  };
}
