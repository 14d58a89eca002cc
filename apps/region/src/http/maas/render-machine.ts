import {
  enumLabelOf,
  hardwareInfoKeys,
  scriptStatuses,
  statusFromValue,
  statusLabel,
  type NodeStatus,
} from '@ferrum/domain';
import type { BlockDeviceView, MachineView } from '../../services/machine-store.js';
import { noScriptStatuses, type MachineScriptStatuses } from '../../services/machine-script-statuses.js';
import { renderDomain, renderPool, renderZone, resourceUri } from './render.js';
import { nodeIpAddresses, renderInterface } from './render-interface.js';
import { defaultGateways } from './default-gateways.js';

/**
 * Fields whose value is the same for every object of a kind (until later issues fill them in),
 * kept apart so a serialised list writes them as one prepared string instead of serialising
 * them again for each of tens of thousands of objects.
 */
interface ConstantFields<T extends object> {
  readonly fields: T;
  /** The fields as JSON object members, without the braces. */
  readonly json: string;
}

function constantFields<T extends object>(fields: T): ConstantFields<T> {
  return { fields: deepFreeze(fields), json: JSON.stringify(fields).slice(1, -1) };
}

/** Constant fields are shared by every object rendered: frozen, so none can change them all. */
function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) deepFreeze(v as object);
  return Object.freeze(value);
}

/**
 * `{ ...variable, ...constants.fields }`, built by adding to `variable` (a fresh object):
 * spreading two large objects into a literal is ten times slower in V8.
 */
function withConstants<T extends object, C extends object>(variable: T, constants: ConstantFields<C>): T & C {
  return Object.assign(variable, constants.fields);
}

/** `JSON.stringify({ ...variable, ...constants.fields })`, for a non-empty `variable`. */
function stringifyWith(variable: object, constants: ConstantFields<object>): string {
  return `${JSON.stringify(variable).slice(0, -1)},${constants.json}}`;
}

const blockDeviceConstants = constantFields({
  uuid: null,
  used_size: 0,
  used_for: 'Unused',
  filesystem: null,
  partition_table_type: null,
  partitions: [],
  storage_pool: null,
});

/** A block device's fields that vary; `nodeUri` is its machine's `nodes/{system_id}/` URI. */
function blockDeviceFields(view: MachineView, device: BlockDeviceView, nodeUri: string) {
  const size = Number(device.size);
  return {
    system_id: view.machine.system_id,
    id: device.id,
    name: device.name,
    type: device.type,
    path: `/dev/disk/by-dname/${device.name}`,
    model: device.model,
    serial: device.serial,
    id_path: device.id_path,
    size,
    block_size: device.block_size,
    available_size: size,
    tags: device.tags,
    firmware_version: device.firmware_version,
    numa_node: device.numa_node,
    resource_uri: `${nodeUri}blockdevices/${String(device.id)}/`,
  };
}

/** MAAS's block device JSON; `nodeUri` is the machine's `nodes/{system_id}/` resource URI. */
export function renderBlockDevice(view: MachineView, device: BlockDeviceView, nodeUri: string) {
  return withConstants(blockDeviceFields(view, device, nodeUri), blockDeviceConstants);
}

const machineConstants = constantFields({
  cache_sets: [],
  bcaches: [],
  address_ttl: null,
  disable_ipv4: false,
  constraints_by_type: {},
  volume_groups: [],
  raids: [],
  // The action in progress; MAAS leaves it empty but for a few script-driven states.
  status_action: '',
  node_type: 0,
  node_type_name: 'Machine',
  special_filesystems: [],
  parent: null,
  last_sync: null,
  sync_interval: null,
  next_sync: null,
  enable_hw_sync: false,
  enable_kernel_crash_dump: false,
});

/** A script status number and MAAS's name for it ("Unknown" for -1, no result). */
const statusName = (status: number) => enumLabelOf(scriptStatuses, status);

/** The machine JSON's script-result fields: its newest sets and the statuses of its results. */
function scriptFields(s: MachineScriptStatuses) {
  return {
    current_commissioning_result_id: s.currentCommissioningId,
    current_testing_result_id: s.currentTestingId,
    current_installation_result_id: s.currentInstallationId,
    commissioning_status: s.commissioning,
    commissioning_status_name: statusName(s.commissioning),
    testing_status: s.testing,
    testing_status_name: statusName(s.testing),
    cpu_test_status: s.tests.cpu,
    cpu_test_status_name: statusName(s.tests.cpu),
    memory_test_status: s.tests.memory,
    memory_test_status_name: statusName(s.tests.memory),
    network_test_status: s.tests.network,
    network_test_status_name: statusName(s.tests.network),
    storage_test_status: s.tests.storage,
    storage_test_status_name: statusName(s.tests.storage),
    other_test_status: s.tests.node,
    other_test_status_name: statusName(s.tests.node),
    // MAAS reads the interface status from the network tests too.
    interface_test_status: s.tests.network,
    interface_test_status_name: statusName(s.tests.network),
  };
}

/** The script fields of a machine no script set has run on, the common case, serialised once. */
const noScriptFields = constantFields(scriptFields(noScriptStatuses));

function scriptFieldsOf(view: MachineView) {
  return view.scripts === noScriptStatuses ? noScriptFields.fields : scriptFields(view.scripts);
}

function scriptJsonOf(view: MachineView): string {
  return view.scripts === noScriptStatuses
    ? noScriptFields.json
    : JSON.stringify(scriptFields(view.scripts)).slice(1, -1);
}

/**
 * The machine JSON of MAAS (reference §3.3) but for its constant fields (`machineConstants`)
 * and those that repeat its interfaces and block devices (`machineSets`), so a list can
 * serialise each interface and disk once.
 */
function machineScalars(view: MachineView) {
  const m = view.machine;
  const status: NodeStatus = statusFromValue(m.status) ?? 'NEW';
  const hardwareInfo: Record<string, string> = {};
  for (const key of hardwareInfoKeys) hardwareInfo[key] = m.hardware_info[key] ?? 'Unknown';
  let storageBytes = 0;
  for (const d of view.blockDevices) if (d.type === 'physical') storageBytes += Number(d.size);
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
    bios_boot_method: m.bios_boot_method,
    architecture: m.architecture,
    min_hwe_kernel: m.min_hwe_kernel,
    hwe_kernel: m.hwe_kernel,
    cpu_count: m.cpu_count,
    cpu_speed: m.cpu_speed,
    memory: m.memory,
    swap_size: m.swap_size === null ? null : Number(m.swap_size),
    // MB (10^6 bytes) as a float, as MAAS sums its physical disks (not the virtual ones).
    storage: storageBytes / 1e6,
    status: m.status,
    osystem: m.osystem,
    distro_series: m.distro_series,
    ephemeral_deploy: m.ephemeral_deploy,
    error_description: m.error_description,
    netboot: m.netboot,
    power_type: m.power_type,
    power_state: m.power_state,
    tag_names: view.tags,
    zone: renderZone(view.zone),
    pool: renderPool(view.pool),
    status_message: view.statusMessage,
    status_name: statusLabel(status),
    hardware_info: hardwareInfo,
    numanode_set: (m.numa_nodes.length > 0 ? m.numa_nodes : [{ index: 0, cores: [], memory: m.memory }]).map(
      (n) => ({ index: n.index, cores: n.cores, memory: n.memory, hugepages_set: n.hugepages ?? [] }),
    ),
    workload_annotations: m.workload_annotations,
    is_dpu: m.is_dpu,
    ip_addresses: nodeIpAddresses(view.interfaces),
    default_gateways: defaultGateways(view),
    resource_uri: resourceUri('machines', m.system_id),
  };
}

/**
 * The fields of the machine JSON built from its interfaces and block devices, as a function of
 * how one interface or disk is represented, so objects and pre-serialised JSON share the rules.
 */
function machineSets<I, D>(view: MachineView, interfaces: readonly I[], devices: readonly D[]) {
  const bootIndex = view.interfaces.findIndex((i) => i.is_boot);
  const ofType = (type: string) => devices.filter((_, i) => view.blockDevices[i]?.type === type);
  return {
    boot_interface: interfaces[bootIndex] ?? interfaces[0] ?? null,
    interface_set: interfaces,
    // MAAS's boot disk: the first physical disk (commissioning picks it; no storage layouts yet).
    boot_disk: devices[0] ?? null,
    blockdevice_set: devices,
    physicalblockdevice_set: ofType('physical'),
    virtualblockdevice_set: ofType('virtual'),
  };
}

/** The machine JSON of MAAS (reference §3.3), every field with MAAS's types. */
export function renderMachine(view: MachineView) {
  const nodeUri = resourceUri('nodes', view.machine.system_id);
  const sets = machineSets(
    view,
    view.interfaces.map((i) => renderInterface(view.machine.system_id, i)),
    view.blockDevices.map((d) => renderBlockDevice(view, d, nodeUri)),
  );
  return Object.assign(withConstants(machineScalars(view), machineConstants), scriptFieldsOf(view), sets);
}

/**
 * `renderMachine(view)` serialised, faster: each interface and block device is serialised once
 * however many fields repeat it, which is most of a machine's JSON. For long lists.
 */
export function machineJson(view: MachineView): string {
  const nodeUri = resourceUri('nodes', view.machine.system_id);
  const sets = machineSets(
    view,
    view.interfaces.map((i) => JSON.stringify(renderInterface(view.machine.system_id, i))),
    view.blockDevices.map((d) => stringifyWith(blockDeviceFields(view, d, nodeUri), blockDeviceConstants)),
  );
  const list = (items: readonly string[]) => `[${items.join(',')}]`;
  return (
    stringifyWith(machineScalars(view), machineConstants).slice(0, -1) +
    `,${scriptJsonOf(view)}` +
    `,"boot_interface":${sets.boot_interface ?? 'null'},"interface_set":${list(sets.interface_set)}` +
    `,"boot_disk":${sets.boot_disk ?? 'null'},"blockdevice_set":${list(sets.blockdevice_set)}` +
    `,"physicalblockdevice_set":${list(sets.physicalblockdevice_set)}` +
    `,"virtualblockdevice_set":${list(sets.virtualblockdevice_set)}}`
  );
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
