import { AppError } from '@ferrum/domain';
import { isObject, ResourceFields, type JsonObject } from './lxd-resource-fields.js';
import { parseDevices, type DeviceRoles, type InventoryDevice } from './lxd-resources-devices.js';
import { parseDisks, type InventoryDisk } from './lxd-resources-disks.js';
import { parseNics, type InventoryNic } from './lxd-resources-nics.js';
import { parseSystem, type InventorySystem } from './lxd-resources-system.js';

export type { InventoryDevice } from './lxd-resources-devices.js';
export type { InventoryDisk } from './lxd-resources-disks.js';
export type { InventoryNic } from './lxd-resources-nics.js';

/** A NUMA node: its CPU threads, memory and huge pages. */
export interface InventoryNumaNode {
  readonly index: number;
  /** Thread ids. */
  readonly cores: readonly number[];
  /** MiB. */
  readonly memory: number;
  /** Huge pages of the node, when the document gives their size: bytes each, and their count. */
  readonly hugepages?: { readonly pageSize: number; readonly count: number };
}

/** A machine's hardware as the commissioning resources document describes it. */
export interface ResourcesInventory extends InventorySystem {
  /** Threads, all sockets. */
  readonly cpuCount: number;
  /** MHz (MAAS's parse_lxd_cpuinfo). */
  readonly cpuSpeed: number;
  /** Undefined when the sockets' names differ or none is given. */
  readonly cpuModel: string | undefined;
  /** MiB. */
  readonly memory: number;
  readonly numaNodes: readonly InventoryNumaNode[];
  readonly disks: readonly InventoryDisk[];
  readonly nics: readonly InventoryNic[];
  /** The PCIe and USB devices, each with what it is (a NIC, a disk, a GPU). */
  readonly devices: readonly InventoryDevice[];
  /** The Debian architecture of the running kernel (`amd64`), when the document says. */
  readonly kernelArchitecture: string | undefined;
}

/** The LXD API extensions MAAS's process_lxd_results requires of a wrapped document. */
export const REQUIRED_EXTENSIONS: readonly string[] = [
  'resources',
  'resources_v2',
  'api_os',
  'resources_system',
  'resources_usb_pci',
];

/** Kernel architectures (uname -m) → Debian's (MAAS's kernel_to_debian_architecture). */
const debianArchitectures: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  i686: 'i386',
  i386: 'i386',
  aarch64: 'arm64',
  armv7l: 'armhf',
  armv8l: 'arm64',
  ppc64le: 'ppc64el',
  s390x: 's390x',
  riscv64: 'riscv64',
};

const MiB = 1024 * 1024;

/**
 * Reads a commissioning resources document: the output of `50-maas-01-commissioning`
 * (`{api_version: "1.0", api_extensions, environment, resources, networks}`) or the bare LXD
 * resources (`{cpu, memory, gpu, network, storage, usb, pci, system}`). 400
 * (`validation_failed`) naming every bad field by its path when it cannot be read.
 */
export function parseLxdResources(document: unknown): ResourcesInventory {
  if (!isObject(document))
    throw AppError.invalid({ document: 'The resources document must be a JSON object.' });
  const fields = new ResourceFields();
  const wrapped = 'resources' in document || 'api_version' in document;
  let resources: JsonObject | undefined = document;
  let networks: JsonObject | undefined;
  let environment: JsonObject | undefined;
  let root = '';
  if (wrapped) {
    const version = fields.string(document, 'api_version', '', true);
    if (version !== undefined && version !== '1.0')
      fields.add('api_version', `Expected "1.0" (LXD resources API 1.0), not "${version}".`);
    const extensions = fields.strings(document, 'api_extensions', '');
    if (extensions === undefined) fields.add('api_extensions', 'This field is required.');
    else {
      const missing = REQUIRED_EXTENSIONS.filter((e) => !extensions.includes(e));
      if (missing.length > 0)
        fields.add('api_extensions', `Missing required LXD API extensions: ${missing.join(', ')}.`);
    }
    resources = fields.object(document, 'resources', '', true);
    networks = fields.object(document, 'networks', '');
    environment = fields.object(document, 'environment', '');
    root = 'resources';
  }
  if (!resources) {
    fields.throwIfAny();
    throw AppError.invalid({ resources: 'This section is required.' });
  }
  const at = (key: string) => (root === '' ? key : `${root}.${key}`);
  const cpu = fields.object(resources, 'cpu', root, true);
  const memory = fields.object(resources, 'memory', root, true);
  const storage = fields.object(resources, 'storage', root, true);
  const network = fields.object(resources, 'network', root, true);
  const system = fields.object(resources, 'system', root);

  const cpuInfo = cpu
    ? parseCpu(fields, cpu, at('cpu'))
    : { count: 0, speed: 0, model: undefined, cores: [] };
  const memoryInfo = memory ? parseMemory(fields, memory, at('memory')) : { total: 0, nodes: [] };
  const disks = storage ? parseDisks(fields, storage, at('storage')) : [];
  const nics = network ? parseNics(fields, network, at('network'), networks) : [];
  const systemInfo = parseSystem(fields, system, at('system'));
  const devices = parseDevices(fields, resources, root, deviceRoles(fields, resources, root, nics, disks));
  const kernel = environment && fields.string(environment, 'kernel_architecture', 'environment');
  fields.throwIfAny();

  return {
    cpuCount: cpuInfo.count,
    cpuSpeed: cpuInfo.speed,
    cpuModel: cpuInfo.model,
    memory: Math.trunc(memoryInfo.total / MiB),
    numaNodes: numaNodes(cpuInfo.cores, memoryInfo.nodes),
    disks,
    nics,
    devices,
    ...systemInfo,
    kernelArchitecture: kernel === undefined ? undefined : debianArchitectures[kernel],
  };
}

/** Which slots hold the NICs, disks and GPUs (MAAS maps a NIC's address to its last port; Ferrum to its first). */
function deviceRoles(
  fields: ResourceFields,
  resources: JsonObject,
  root: string,
  nics: readonly InventoryNic[],
  disks: readonly InventoryDisk[],
): DeviceRoles {
  const nicsByAddress = new Map<string, string>();
  for (const nic of nics)
    if (nic.deviceAddress !== null && !nicsByAddress.has(nic.deviceAddress))
      nicsByAddress.set(nic.deviceAddress, nic.mac);
  const disksByAddress = new Map<string, string>();
  for (const disk of disks)
    if (disk.deviceAddress !== null && !disksByAddress.has(disk.deviceAddress))
      disksByAddress.set(disk.deviceAddress, disk.name);
  const gpus = new Set<string>();
  const gpu = fields.object(resources, 'gpu', root);
  for (const { value: card, path } of gpu
    ? fields.objects(gpu, 'cards', root === '' ? 'gpu' : `${root}.gpu`)
    : []) {
    const address = fields.string(card, 'pci_address', path) ?? fields.string(card, 'usb_address', path);
    if (address !== undefined) gpus.add(address.toLowerCase());
  }
  return { nics: nicsByAddress, disks: disksByAddress, gpus };
}

interface CpuInfo {
  readonly count: number;
  readonly speed: number;
  readonly model: string | undefined;
  /** Thread id → NUMA node, in the document's order. */
  readonly cores: readonly { readonly id: number; readonly node: number }[];
}

/**
 * MAAS's parse_lxd_cpuinfo: the model is the sockets' name when they all have the same (without
 * its " @ 2.00GHz"); the speed is the one in that name, else the highest turbo frequency of the
 * sockets, else their average current frequency rounded to 100 MHz (frequencies in MHz).
 */
function parseCpu(fields: ResourceFields, cpu: JsonObject, path: string): CpuInfo {
  const count = fields.count(cpu, 'total', path, true) ?? 0;
  const sockets = fields.objects(cpu, 'sockets', path);
  const names: string[] = [];
  const cores: { id: number; node: number }[] = [];
  let maxTurbo = 0;
  let frequencies = 0;
  for (const { value: socket, path: at } of sockets) {
    const name = fields.string(socket, 'name', at);
    if (name !== undefined) names.push(name);
    maxTurbo = Math.max(maxTurbo, fields.number(socket, 'frequency_turbo', at) ?? 0);
    frequencies += fields.number(socket, 'frequency', at) ?? 0;
    for (const { value: core, path: corePath } of fields.objects(socket, 'cores', at))
      for (const { value: thread, path: threadPath } of fields.objects(core, 'threads', corePath)) {
        const id = fields.count(thread, 'id', threadPath, true);
        const node = fields.count(thread, 'numa_node', threadPath) ?? 0;
        if (id !== undefined) cores.push({ id, node });
      }
  }
  let model: string | undefined;
  let speed = 0;
  const first = names[0];
  if (first !== undefined && names.every((n) => n === first)) {
    const line = first.split('\n')[0] ?? first;
    model = line.includes('@') ? (line.split(' @')[0] ?? line) : line;
    // Some vendors put the nominal speed in the name; it is not affected by CPU scaling.
    const ghz = /\s@\s(\d+\.\d+)GHz$/m.exec(first)?.[1];
    if (ghz !== undefined) speed = Math.trunc(Number.parseFloat(ghz) * 1000);
  }
  if (speed === 0) {
    if (maxTurbo > 0) speed = Math.trunc(maxTurbo);
    else if (frequencies > 0 && sockets.length > 0)
      speed = Math.round(frequencies / sockets.length / 100) * 100;
  }
  return { count, speed, model: model === '' ? undefined : model, cores };
}

interface MemoryNode {
  readonly index: number;
  /** Bytes. */
  readonly total: number;
  readonly hugepagesCount: number;
  readonly hugepageSize: number | undefined;
}

/** MAAS's _parse_memory: the total, and each NUMA node's (one node 0 holding it all when none is listed). */
function parseMemory(
  fields: ResourceFields,
  memory: JsonObject,
  path: string,
): { total: number; nodes: MemoryNode[] } {
  const total = fields.count(memory, 'total', path, true) ?? 0;
  // LXD gives one huge page size, the system's default.
  const hugepageSize = fields.count(memory, 'hugepages_size', path) || undefined;
  const listed = fields.objects(memory, 'nodes', path);
  const nodes: MemoryNode[] =
    listed.length === 0
      ? [
          {
            index: 0,
            total,
            hugepagesCount: fields.count(memory, 'hugepages_total', path) ?? 0,
            hugepageSize,
          },
        ]
      : listed.map(({ value: node, path: at }) => ({
          index: fields.count(node, 'numa_node', at, true) ?? 0,
          total: fields.count(node, 'total', at) ?? 0,
          hugepagesCount: fields.count(node, 'hugepages_total', at) ?? 0,
          hugepageSize,
        }));
  return { total, nodes };
}

/** The NUMA nodes the CPU threads and memory name, by index (not always 0..n-1: ppc64 has 0, 1, 16, 17). */
function numaNodes(cores: CpuInfo['cores'], memory: readonly MemoryNode[]): InventoryNumaNode[] {
  const byIndex = new Map<
    number,
    { cores: number[]; memory: number; hugepages?: InventoryNumaNode['hugepages'] }
  >();
  const node = (index: number) => {
    let entry = byIndex.get(index);
    if (!entry) {
      entry = { cores: [], memory: 0 };
      byIndex.set(index, entry);
    }
    return entry;
  };
  for (const core of cores) node(core.node).cores.push(core.id);
  for (const m of memory) {
    const entry = node(m.index);
    entry.memory = Math.trunc(m.total / MiB);
    if (m.hugepageSize !== undefined) entry.hugepages = { pageSize: m.hugepageSize, count: m.hugepagesCount };
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, entry]) => ({
      index,
      cores: entry.cores,
      memory: entry.memory,
      ...(entry.hugepages ? { hugepages: entry.hugepages } : {}),
    }));
}
