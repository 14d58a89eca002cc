// Fields every kind of node (machine, rack, region) renders the same way on MAAS's wire.

import type { DomainRow, NamedObjectRow } from '../../db/schema.js';
import { renderDomain, renderZone } from './render.js';

import { hardwareInfoKeys } from '@ferrum/domain';

// Script-result statuses: -1 "Unknown" until the metadata issue brings results.
const testStatusFields = [
  'commissioning_status',
  'testing_status',
  'cpu_test_status',
  'memory_test_status',
  'network_test_status',
  'storage_test_status',
  'other_test_status',
  'interface_test_status',
] as const;

/** The script-result statuses and their names of a node no script has run on: -1, "Unknown". */
export const unknownTestStatuses: Readonly<Record<string, number | string>> = Object.fromEntries(
  testStatusFields.flatMap((f): [string, number | string][] => [
    [f, -1],
    [`${f}_name`, 'Unknown'],
  ]),
);

/** hardware_info of a node not commissioned: every key "Unknown". */
export function unknownHardwareInfo(): Record<string, string> {
  return Object.fromEntries(hardwareInfoKeys.map((k) => [k, 'Unknown']));
}

/** Where controllers sit: MAAS puts them in the default domain and zone unless moved. */
export interface Placement {
  readonly domain: DomainRow;
  readonly zone: NamedObjectRow;
}

/**
 * The fields a rack and a region controller render alike: identity and placement, and MAAS's
 * values for what only commissioning the controller's host would tell (hardware, OS).
 */
export function controllerFields(
  controller: { readonly system_id: string; readonly hostname: string },
  { domain, zone }: Placement,
) {
  return {
    system_id: controller.system_id,
    hostname: controller.hostname,
    description: '',
    hardware_uuid: null,
    domain: renderDomain(domain, 0),
    fqdn: `${controller.hostname}.${domain.name}`,
    architecture: '',
    cpu_count: 0,
    cpu_speed: 0,
    memory: 0,
    swap_size: null,
    osystem: '',
    distro_series: '',
    power_type: '',
    power_state: 'unknown',
    interface_set: [],
    zone: renderZone(zone),
    current_commissioning_result_id: null,
    current_testing_result_id: null,
    current_installation_result_id: null,
    ...unknownTestStatuses,
    hardware_info: unknownHardwareInfo(),
    tag_names: [],
  };
}
