import { describe, expect, it } from 'vitest';
import type { BlockDeviceView, InterfaceView, MachineView } from '../../services/machine-store.js';
import type { VlanView } from '../../services/vlan-views.js';
import { noScriptStatuses, type MachineScriptStatuses } from '../../services/machine-script-statuses.js';
import { machineJson, renderMachine } from './render-machine.js';

const vlan: VlanView = {
  id: 5001,
  vid: 0,
  name: 'untagged',
  description: '',
  fabric_id: 0,
  mtu: 9000,
  dhcp_on: true,
  external_dhcp: null,
  space_id: null,
  fabricName: 'fabric-0',
  isFabricDefault: true,
  primaryRack: 'rack01',
  secondaryRack: null,
  spaceName: null,
  relayVlan: null,
};

const subnet = {
  subnet: {
    id: 3,
    name: '10.0.0.0/24',
    description: '',
    vlan_id: 5001,
    cidr: '10.0.0.0/24',
    gateway_ip: '10.0.0.1',
    dns_servers: ['10.0.0.2'],
    rdns_mode: 2,
    allow_dns: true,
    allow_proxy: true,
    managed: true,
    active_discovery: false,
    disabled_boot_architectures: [],
  },
  vlan,
};

function iface(id: number, overrides: Partial<InterfaceView> = {}): InterfaceView {
  return {
    id,
    machine_id: 7,
    name: `eth${String(id)}`,
    type: 'physical',
    mac_address: `52:54:00:00:00:0${String(id)}`,
    enabled: true,
    is_boot: false,
    tags: ['sriov'],
    vendor: null,
    product: 'X710 "quad"',
    firmware_version: null,
    link_speed: 10000,
    interface_speed: 10000,
    link_connected: true,
    numa_node: 0,
    sriov_max_vf: 0,
    device_id: null,
    vlan_id: null,
    params: {},
    for_allocation: false,
    vlan: null,
    parents: [],
    children: [],
    links: [],
    discovered: [],
    effectiveMtu: 1500,
    ...overrides,
  };
}

/** An interface on the untagged VLAN with an AUTO link holding an address and a LINK_UP link. */
function linked(id: number): InterfaceView {
  return iface(id, {
    vlan,
    vlan_id: vlan.id,
    params: { mtu: 9000 },
    effectiveMtu: 9000,
    links: [
      { id: 41, allocType: 0, ip: '10.0.0.7', subnet, forAllocation: false },
      { id: 42, allocType: 1, ip: null, subnet: null, forAllocation: false },
    ],
  });
}

function disk(id: number, overrides: Partial<BlockDeviceView> = {}): BlockDeviceView {
  return {
    id,
    machine_id: 7,
    name: `sd${String.fromCharCode(96 + id)}`,
    type: 'physical',
    model: 'QEMU HARDDISK',
    serial: `QM0000${String(id)}`,
    id_path: id === 1 ? null : `/dev/disk/by-id/wwn-${String(id)}`,
    size: String(500_107_862_016 * id),
    block_size: 512,
    tags: ['ssd', 'rotary'],
    firmware_version: null,
    numa_node: 1,
    ...overrides,
  };
}

function view(
  overrides: Partial<MachineView> = {},
  machine: Partial<MachineView['machine']> = {},
): MachineView {
  return {
    machine: {
      id: 7,
      system_id: 'abc123',
      hostname: 'über-node',
      domain_id: 1,
      description: 'line\nbreak and "quotes" and \\ backslash',
      architecture: 'amd64/generic',
      min_hwe_kernel: '',
      hwe_kernel: null,
      cpu_count: 8,
      cpu_speed: 2400,
      memory: 16384,
      swap_size: null,
      status: 4,
      previous_status: 0,
      error_description: '',
      osystem: '',
      distro_series: '',
      netboot: true,
      ephemeral_deploy: false,
      power_type: 'manual',
      power_state: 'unknown',
      owner_id: null,
      owner_data: { juju: 'yes' },
      workload_annotations: {},
      locked: false,
      agent_name: '',
      zone_id: 1,
      pool_id: 2,
      hardware_uuid: null,
      hardware_info: { system_vendor: 'QEMU' },
      numa_nodes: [
        { index: 0, cores: [0, 1, 2, 3], memory: 8192 },
        { index: 1, cores: [4, 5, 6, 7], memory: 8192 },
      ],
      bios_boot_method: 'uefi',
      enable_ssh: false,
      is_dpu: false,
      storage_total: 0,
      gateway_link_ipv4_id: null,
      gateway_link_ipv6_id: null,
      ...machine,
    },
    domain: {
      id: 1,
      name: 'maas',
      ttl: null,
      authoritative: true,
      is_default: true,
      forward_dns_servers: [],
    },
    zone: { id: 1, name: 'default', description: '' },
    pool: { id: 2, name: 'pool "b"', description: 'Ünïcode ✓' },
    ownerName: null,
    tags: ['virtual', 'gpu'],
    interfaces: [iface(1), iface(2, { is_boot: true }), iface(3, { type: 'vlan' })],
    blockDevices: [disk(1), disk(2, { type: 'virtual' }), disk(3)],
    statusMessage: 'Ready',
    scripts: noScriptStatuses,
    ...overrides,
  };
}

/** Commissioned (set 12), tested (set 13) with a storage test failed, installed (set 14). */
const tested: MachineScriptStatuses = {
  currentCommissioningId: 12,
  currentTestingId: 13,
  currentInstallationId: 14,
  commissioning: 2,
  testing: 3,
  tests: { node: -1, cpu: 1, memory: 2, storage: 3, network: 6 },
};

describe(machineJson, () => {
  it('serialises exactly what renderMachine renders', () => {
    for (const v of [
      view(),
      view({ interfaces: [], blockDevices: [], tags: [], statusMessage: '' }, { numa_nodes: [] }),
      view({ ownerName: 'alice' }, { owner_id: 3, swap_size: '2147483648', status: 10 }),
      view(
        { interfaces: [linked(1), iface(2, { is_boot: true, vlan, vlan_id: 5001 })] },
        { gateway_link_ipv4_id: '41' },
      ),
      view({ scripts: tested }),
    ])
      expect(JSON.parse(machineJson(v))).toEqual(JSON.parse(JSON.stringify(renderMachine(v))));
  });

  it('takes the boot interface and boot disk from the interfaces and physical disks', () => {
    const m = JSON.parse(machineJson(view())) as {
      boot_interface: { id: number };
      boot_disk: { id: number };
      physicalblockdevice_set: { id: number }[];
      virtualblockdevice_set: { id: number }[];
    };
    expect(m.boot_interface.id).toBe(2);
    expect(m.boot_disk.id).toBe(1);
    expect(m.physicalblockdevice_set.map((d) => d.id)).toEqual([1, 3]);
    expect(m.virtualblockdevice_set.map((d) => d.id)).toEqual([2]);
  });

  it('shows the links, addresses and default gateway of its interfaces', () => {
    const m = JSON.parse(machineJson(view({ interfaces: [linked(1)] }, { gateway_link_ipv4_id: '41' }))) as {
      ip_addresses: string[];
      default_gateways: { ipv4: { gateway_ip: string | null; link_id: number | null } };
      boot_interface: {
        links: { id: number; mode: string; ip_address?: string; subnet?: { space: string } }[];
      };
      interface_set: { vlan: { name: string } | null; effective_mtu: number; params: unknown }[];
    };
    expect(m.ip_addresses).toEqual(['10.0.0.7']);
    expect(m.default_gateways.ipv4).toEqual({ gateway_ip: '10.0.0.1', link_id: 41 });
    expect(m.boot_interface.links).toMatchObject([
      { id: 41, mode: 'auto', ip_address: '10.0.0.7', subnet: { space: 'undefined' } },
      { id: 42, mode: 'link_up' },
    ]);
    expect(m.boot_interface.links[1]).not.toHaveProperty('ip_address');
    expect(m.boot_interface.links[1]).not.toHaveProperty('subnet');
    expect(m.interface_set[0]).toMatchObject({
      vlan: { name: 'untagged' },
      effective_mtu: 9000,
      params: { mtu: 9000 },
    });
  });

  it('shows the hardware commissioning found: NUMA huge pages, SR-IOV, storage of the physical disks', () => {
    const v = view(
      { interfaces: [iface(1, { sriov_max_vf: 16 })] },
      {
        numa_nodes: [
          { index: 0, cores: [0, 1], memory: 4096, hugepages: [{ page_size: 2097152, total: 1073741824 }] },
        ],
      },
    );
    const m = JSON.parse(machineJson(v)) as {
      numanode_set: unknown[];
      interface_set: { sriov_max_vf: number }[];
      storage: number;
    };
    expect(m.numanode_set).toEqual([
      { index: 0, cores: [0, 1], memory: 4096, hugepages_set: [{ page_size: 2097152, total: 1073741824 }] },
    ]);
    expect(m.interface_set[0]?.sriov_max_vf).toBe(16);
    // Disks 1 and 3 are physical (500107862016 and 3 × that bytes); disk 2 is virtual.
    expect(m.storage).toBe((500_107_862_016 * 4) / 1e6);
  });

  it('answers null boot interface and disk for a machine with neither', () => {
    const m = JSON.parse(machineJson(view({ interfaces: [], blockDevices: [] }))) as Record<string, unknown>;
    expect(m['boot_interface']).toBeNull();
    expect(m['boot_disk']).toBeNull();
    expect(m['storage']).toBe(0);
  });

  it('shows Unknown statuses and no current results for a machine no script has run on', () => {
    const m = JSON.parse(machineJson(view())) as Record<string, unknown>;
    expect(m).toMatchObject({
      current_commissioning_result_id: null,
      current_testing_result_id: null,
      current_installation_result_id: null,
      commissioning_status: -1,
      commissioning_status_name: 'Unknown',
      testing_status: -1,
      testing_status_name: 'Unknown',
      storage_test_status: -1,
      storage_test_status_name: 'Unknown',
      interface_test_status_name: 'Unknown',
      other_test_status_name: 'Unknown',
    });
  });

  it('shows the current result ids and the statuses of the results, by hardware type', () => {
    const m = JSON.parse(machineJson(view({ scripts: tested }))) as Record<string, unknown>;
    expect(m).toMatchObject({
      current_commissioning_result_id: 12,
      current_testing_result_id: 13,
      current_installation_result_id: 14,
      commissioning_status: 2,
      commissioning_status_name: 'Passed',
      testing_status: 3,
      testing_status_name: 'Failed',
      cpu_test_status: 1,
      cpu_test_status_name: 'Running',
      memory_test_status_name: 'Passed',
      storage_test_status: 3,
      storage_test_status_name: 'Failed',
      network_test_status_name: 'Degraded',
      interface_test_status: 6,
      interface_test_status_name: 'Degraded',
      other_test_status: -1,
      other_test_status_name: 'Unknown',
    });
  });
});
