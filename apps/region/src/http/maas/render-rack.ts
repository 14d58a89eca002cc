import type { RackRow } from '../../services/rack-service.js';
import { resourceUri } from './render.js';
import { controllerFields, type Placement } from './render-node-fields.js';

// What MAAS shows of a disconnected rack's services (its DEAD_STATUSES): these dead, others unknown.
const deadWhenDisconnected = new Set(['rackd', 'tftp', 'dhcpd', 'dhcpd6', 'ntp_rack']);

interface ReportedService {
  readonly name: string;
  readonly status: string;
  readonly info: string;
}

/**
 * `service_set` as MAAS shows it: `rackd` is the rack's connection (running while connected,
 * dead when not); the others are what the rack reported, or dead/unknown while it is gone.
 */
export function rackServiceSet(rack: RackRow): { name: string; status: string; status_info: string }[] {
  const reported = rack.services as ReportedService[];
  const connected = rack.connected_since !== null;
  const lastSeen = rack.last_seen ? ` since ${rack.last_seen.toISOString()}` : '';
  return [
    {
      name: 'rackd',
      status: connected ? 'running' : 'dead',
      status_info: connected ? '' : `Not connected to any region controller${lastSeen}.`,
    },
    ...reported
      .filter((s) => s.name !== 'rackd')
      .map((s) =>
        connected
          ? { name: s.name, status: s.status, status_info: s.info }
          : { name: s.name, status: deadWhenDisconnected.has(s.name) ? 'dead' : 'unknown', status_info: '' },
      ),
  ];
}

/** The addresses a rack reported, without their prefix length. */
function ipAddresses(rack: RackRow): string[] {
  const interfaces = rack.interfaces as { addresses?: string[] }[];
  return interfaces.flatMap((i) => (i.addresses ?? []).map((a) => a.split('/')[0] ?? a));
}

/**
 * MAAS's rack controller JSON (`DISPLAYED_RACK_CONTROLLER_FIELDS` + `resource_uri`). What only
 * commissioning the rack's host would tell (hardware, OS, interface objects) has MAAS's values
 * for an uncommissioned node until the networks issue models the rack's interfaces.
 */
export function renderRack(rack: RackRow, placement: Placement) {
  return {
    ...controllerFields(rack, placement),
    ip_addresses: ipAddresses(rack),
    status_action: null,
    node_type: 2,
    node_type_name: 'Rack controller',
    service_set: rackServiceSet(rack),
    version: rack.version === '' ? null : rack.version,
    resource_uri: resourceUri('rackcontrollers', rack.system_id),
  };
}
