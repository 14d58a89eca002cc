import { statusFromValue, statusLabel, type NodeStatus } from '@ferrum/domain';
import type { BlockDeviceRow, MachineInterfaceRow } from '../../db/schema.js';
import type { MachineView } from '../../services/machine-store.js';
import { renderDomain, renderPool, renderZone, resourceUri } from './render.js';

// hardware_info keys MAAS always sends, "Unknown" until commissioning finds a value.
const hardwareInfoKeys = [
  'system_vendor',
  'system_product',
  'system_family',
  'system_version',
  'system_sku',
  'system_serial',
  'cpu_model',
  'mainboard_vendor',
  'mainboard_product',
  'mainboard_serial',
  'mainboard_version',
  'mainboard_firmware_vendor',
  'mainboard_firmware_date',
  'mainboard_firmware_version',
  'chassis_vendor',
  'chassis_type',
  'chassis_serial',
  'chassis_version',
] as const;

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

export function renderInterface(view: MachineView, iface: MachineInterfaceRow) {
  return {
    system_id: view.machine.system_id,
    id: iface.id,
    name: iface.name,
    type: iface.type,
    // VLANs, subnets and links come with the networks issue.
    vlan: null,
    mac_address: iface.mac_address,
    parents: [],
    children: [],
    tags: iface.tags,
    enabled: iface.enabled,
    links: [],
    params: '',
    discovered: null,
    effective_mtu: 1500,
    vendor: iface.vendor,
    product: iface.product,
    firmware_version: iface.firmware_version,
    link_connected: iface.link_connected,
    interface_speed: iface.interface_speed,
    link_speed: iface.link_speed,
    numa_node: iface.numa_node,
    sriov_max_vf: 0,
    resource_uri: resourceUri('nodes', view.machine.system_id, 'interfaces', iface.id),
  };
}

export function renderBlockDevice(view: MachineView, device: BlockDeviceRow) {
  const size = Number(device.size);
  return {
    system_id: view.machine.system_id,
    id: device.id,
    name: device.name,
    uuid: null,
    type: device.type,
    path: `/dev/disk/by-dname/${device.name}`,
    model: device.model,
    serial: device.serial,
    id_path: device.id_path,
    size,
    block_size: device.block_size,
    available_size: size,
    used_size: 0,
    used_for: 'Unused',
    tags: device.tags,
    filesystem: null,
    partition_table_type: null,
    partitions: [],
    firmware_version: device.firmware_version,
    storage_pool: null,
    numa_node: device.numa_node,
    resource_uri: resourceUri('nodes', view.machine.system_id, 'blockdevices', device.id),
  };
}

/** The machine JSON of MAAS (reference §3.3), every field with MAAS's types. */
export function renderMachine(view: MachineView) {
  const m = view.machine;
  const status: NodeStatus = statusFromValue(m.status) ?? 'NEW';
  const interfaces = view.interfaces.map((i) => renderInterface(view, i));
  const devices = view.blockDevices.map((d) => renderBlockDevice(view, d));
  const bootInterface = interfaces.find((_, i) => view.interfaces[i]?.is_boot) ?? interfaces[0] ?? null;
  // MAAS's boot disk: the first physical disk (commissioning picks it; no storage layouts yet).
  const bootDisk = devices[0] ?? null;
  const hardwareInfo: Record<string, string> = Object.fromEntries(
    hardwareInfoKeys.map((k) => [k, m.hardware_info[k] ?? 'Unknown']),
  );
  const testStatuses: Record<string, number | string> = Object.fromEntries(
    testStatusFields.flatMap((f): [string, number | string][] => [
      [f, -1],
      [`${f}_name`, 'Unknown'],
    ]),
  );
  return {
    system_id: m.system_id,
    hostname: m.hostname,
    description: m.description,
    hardware_uuid: m.hardware_uuid,
    domain: renderDomain(view.domain, 0),
    fqdn: `${m.hostname}.${view.domain.name}`,
    owner: view.ownerName,
    owner_data: m.owner_data,
    locked: m.locked,
    cache_sets: [],
    bcaches: [],
    bios_boot_method: m.bios_boot_method,
    boot_interface: bootInterface,
    architecture: m.architecture,
    min_hwe_kernel: m.min_hwe_kernel,
    hwe_kernel: m.hwe_kernel,
    cpu_count: m.cpu_count,
    cpu_speed: m.cpu_speed,
    memory: m.memory,
    swap_size: m.swap_size === null ? null : Number(m.swap_size),
    // MB (10^6 bytes) as a float, as MAAS sums its physical disks.
    storage: view.blockDevices.reduce((sum, d) => sum + Number(d.size), 0) / 1e6,
    status: m.status,
    osystem: m.osystem,
    distro_series: m.distro_series,
    ephemeral_deploy: m.ephemeral_deploy,
    error_description: m.error_description,
    netboot: m.netboot,
    power_type: m.power_type,
    power_state: m.power_state,
    tag_names: view.tags,
    address_ttl: null,
    ip_addresses: [],
    interface_set: interfaces,
    zone: renderZone(view.zone),
    pool: renderPool(view.pool),
    disable_ipv4: false,
    constraints_by_type: {},
    boot_disk: bootDisk,
    blockdevice_set: devices,
    physicalblockdevice_set: devices.filter((d) => d.type === 'physical'),
    virtualblockdevice_set: devices.filter((d) => d.type === 'virtual'),
    volume_groups: [],
    raids: [],
    // The action in progress; MAAS leaves it empty but for a few script-driven states.
    status_action: '',
    status_message: view.statusMessage,
    status_name: statusLabel(status),
    node_type: 0,
    node_type_name: 'Machine',
    special_filesystems: [],
    parent: null,
    default_gateways: {
      ipv4: { gateway_ip: null, link_id: null },
      ipv6: { gateway_ip: null, link_id: null },
    },
    current_commissioning_result_id: null,
    current_testing_result_id: null,
    current_installation_result_id: null,
    ...testStatuses,
    hardware_info: hardwareInfo,
    numanode_set: (m.numa_nodes.length > 0 ? m.numa_nodes : [{ index: 0, cores: [], memory: m.memory }]).map(
      (n) => ({ index: n.index, cores: n.cores, memory: n.memory, hugepages_set: [] }),
    ),
    workload_annotations: m.workload_annotations,
    last_sync: null,
    sync_interval: null,
    next_sync: null,
    enable_hw_sync: false,
    enable_kernel_crash_dump: false,
    is_dpu: m.is_dpu,
    resource_uri: resourceUri('machines', m.system_id),
  };
}

/** MAAS's anonymous machine view (enlistment answers). */
export function renderAnonymousMachine(view: MachineView) {
  const full = renderMachine(view);
  return {
    system_id: full.system_id,
    hostname: full.hostname,
    domain: full.domain,
    fqdn: full.fqdn,
    architecture: full.architecture,
    status: full.status,
    power_type: full.power_type,
    power_state: full.power_state,
    zone: full.zone,
    status_action: full.status_action,
    status_message: full.status_message,
    status_name: full.status_name,
    node_type: full.node_type,
    resource_uri: full.resource_uri,
  };
}
