import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { simHardware, simProfileNames } from '@ferrum/sim';
import { parseLxdResources, type ResourcesInventory } from './lxd-resources.js';

type Doc = Record<string, unknown>;

/**
 * What `50-maas-01-commissioning` prints on a small LXD/QEMU VM (2 vCPUs without frequency
 * scaling, 2 GiB, one virtio disk without a serial, a CD-ROM, one virtio NIC), written from
 * the LXD resources API 1.0 as machine-resources gives it: Go's empty slices as null, no
 * turbo frequency, no link speed on virtio.
 */
function realVmDocument(): Doc {
  const thread = (id: number) => ({ id, numa_node: 0, thread: 0, online: true, isolated: false });
  return {
    api_extensions: ['resources', 'resources_v2', 'api_os', 'resources_system', 'resources_usb_pci'],
    api_version: '1.0',
    environment: {
      hostname: 'ephemeral',
      kernel: 'Linux',
      kernel_architecture: 'x86_64',
      kernel_version: '5.15.0-91-generic',
      os_name: 'ubuntu',
      os_version: '22.04',
      server: 'maas-machine-resources',
      server_name: 'ephemeral',
      server_version: '4.0.0',
    },
    resources: {
      cpu: {
        architecture: 'x86_64',
        sockets: [
          {
            name: 'Intel Core Processor (Skylake, IBRS)',
            vendor: 'GenuineIntel',
            socket: 0,
            cache: [
              { level: 1, type: 'Data', size: 32768 },
              { level: 2, type: 'Unified', size: 4194304 },
            ],
            cores: [
              { core: 0, die: 0, threads: [thread(0)], frequency: 2095 },
              { core: 1, die: 0, threads: [thread(1)], frequency: 2095 },
            ],
            frequency: 2095,
          },
        ],
        total: 2,
      },
      memory: {
        nodes: [{ numa_node: 0, hugepages_used: 0, hugepages_total: 0, used: 183603200, total: 2147483648 }],
        hugepages_total: 0,
        hugepages_used: 0,
        hugepages_size: 2097152,
        used: 183603200,
        total: 2147483648,
      },
      gpu: { cards: null, total: 0 },
      network: {
        cards: [
          {
            driver: 'virtio_net',
            driver_version: '1.0.0',
            ports: [
              {
                id: 'enp5s0',
                address: '00:16:3E:AB:CD:EF',
                port: 0,
                protocol: 'ethernet',
                auto_negotiation: false,
                link_detected: true,
              },
            ],
            numa_node: 0,
            pci_address: '0000:05:00.0',
            vendor: 'Red Hat, Inc.',
            vendor_id: '1af4',
            product: 'Virtio network device',
            product_id: '1041',
          },
        ],
        total: 1,
      },
      storage: {
        disks: [
          {
            id: 'vda',
            device: '252:0',
            model: '',
            type: 'virtio',
            read_only: false,
            size: 10737418240,
            removable: false,
            numa_node: 0,
            device_path: 'pci-0000:04:00.0',
            block_size: 512,
            firmware_version: '',
            rpm: 0,
            serial: '',
            device_id: '',
            partitions: [{ id: 'vda1', device: '252:1', read_only: false, size: 10736352768, partition: 1 }],
            pci_address: '0000:04:00.0',
          },
          {
            id: 'sr0',
            device: '11:0',
            model: 'QEMU DVD-ROM',
            type: 'cdrom',
            read_only: true,
            size: 374784,
            removable: true,
            numa_node: 0,
            device_path: 'pci-0000:07:00.0-scsi-0:0:0:1',
            block_size: 2048,
            firmware_version: '2.5+',
            rpm: 1,
            serial: 'QM00001',
            device_id: 'scsi-0QEMU_QEMU_DVD-ROM_QM00001',
            partitions: null,
          },
        ],
        total: 2,
      },
      usb: { devices: null, total: 0 },
      pci: {
        devices: [
          {
            driver: 'virtio-pci',
            driver_version: '',
            numa_node: 0,
            pci_address: '0000:05:00.0',
            vendor: 'Red Hat, Inc.',
            vendor_id: '1af4',
            product: 'Virtio network device',
            product_id: '1041',
            iommu_group: 12,
            vpd: {},
          },
        ],
        total: 1,
      },
      system: {
        uuid: '5D0F3B2E-9A1C-4C3B-8E7F-2A1B3C4D5E6F',
        vendor: 'QEMU',
        product: 'Standard PC (Q35 + ICH9, 2009)',
        family: '',
        version: 'pc-q35-6.2',
        sku: '',
        serial: '',
        type: 'kvm',
        firmware: { vendor: 'EFI Development Kit II / OVMF', date: '02/06/2015', version: '0.0.0' },
        chassis: { vendor: 'QEMU', type: 'Other', serial: '', version: 'pc-q35-6.2' },
        motherboard: { vendor: '', product: '', serial: '', version: '' },
      },
    },
    networks: {
      enp5s0: {
        addresses: [
          { family: 'inet', address: '10.20.0.57', netmask: '24', scope: 'global' },
          { family: 'inet6', address: 'fe80::216:3eff:feab:cdef', netmask: '64', scope: 'link' },
        ],
        counters: { bytes_received: 1000, bytes_sent: 1000, packets_received: 10, packets_sent: 10 },
        hwaddr: '00:16:3e:ab:cd:ef',
        mtu: 1500,
        state: 'up',
        type: 'broadcast',
        bond: null,
        bridge: null,
        vlan: null,
      },
      lo: {
        addresses: [{ family: 'inet', address: '127.0.0.1', netmask: '8', scope: 'local' }],
        counters: {},
        hwaddr: '',
        mtu: 65536,
        state: 'up',
        type: 'loopback',
        bond: null,
        bridge: null,
        vlan: null,
      },
    },
  };
}

/** The field paths a refusal names. */
function refusedFields(document: unknown): string[] {
  return Object.keys(refusal(document));
}

/** The field errors a refused document gets. */
function refusal(document: unknown): Record<string, unknown> {
  try {
    parseLxdResources(document);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('validation_failed');
    return (appError.details as { fields: Record<string, unknown> }).fields;
  }
  throw new Error('the document was accepted');
}

const GB = 1e9;

/** The figures of the simulator's profiles (packages/sim/src/sim-hardware.ts), written out. */
const profiles = {
  '1u-compute': {
    cpuCount: 128,
    cpuSpeed: 2000,
    cpuModel: 'Intel(R) Xeon(R) Gold 6338 CPU',
    memory: 512 * 1024,
    numa: [
      { index: 0, threads: 64, memory: 256 * 1024 },
      { index: 1, threads: 64, memory: 256 * 1024 },
    ],
    disks: [
      { name: 'nvme0n1', size: 1600 * GB, blockSize: 512, tags: ['ssd', 'nvme'], byId: 'nvme-' },
      { name: 'nvme1n1', size: 1600 * GB, blockSize: 512, tags: ['ssd', 'nvme'], byId: 'nvme-' },
      { name: 'sdc', size: 480 * GB, blockSize: 512, tags: ['ssd', 'sata'], byId: 'wwn-' },
      { name: 'sdd', size: 480 * GB, blockSize: 512, tags: ['ssd', 'sata'], byId: 'wwn-' },
    ],
    nics: [25000, 25000],
    vendor: 'Dell Inc.',
    product: 'PowerEdge R650',
    virtual: false,
  },
  storage: {
    cpuCount: 48,
    cpuSpeed: 2200,
    cpuModel: 'Intel(R) Xeon(R) Silver 4214 CPU',
    memory: 192 * 1024,
    numa: [
      { index: 0, threads: 24, memory: 96 * 1024 },
      { index: 1, threads: 24, memory: 96 * 1024 },
    ],
    disks: [
      { name: 'sda', size: 240 * GB, blockSize: 512, tags: ['ssd', 'sata'], byId: 'wwn-' },
      ...'bcdefghijklm'.split('').map((letter) => ({
        name: `sd${letter}`,
        size: 16000 * GB,
        blockSize: 4096,
        tags: ['rotary', '7200rpm'],
        byId: 'wwn-',
      })),
    ],
    nics: [10000, 10000, 1000],
    vendor: 'Supermicro',
    product: 'SSG-6049P-E1CR36L',
    virtual: false,
  },
  'older-1s': {
    cpuCount: 12,
    cpuSpeed: 3400,
    cpuModel: 'Intel(R) Xeon(R) E-2236 CPU',
    memory: 32 * 1024,
    numa: [{ index: 0, threads: 12, memory: 32 * 1024 }],
    disks: [
      { name: 'sda', size: 1000 * GB, blockSize: 512, tags: ['rotary', '7200rpm', 'sata'], byId: 'wwn-' },
    ],
    nics: [1000],
    vendor: 'HPE',
    product: 'ProLiant DL20 Gen10',
    virtual: false,
  },
  'small-vm': {
    cpuCount: 2,
    // No speed in the model's name and no turbo frequency (a VM's vCPUs report none): MAAS
    // takes the cores' average current frequency.
    cpuSpeed: 2400,
    cpuModel: 'Intel Core Processor (Skylake, IBRS)',
    memory: 4 * 1024,
    numa: [{ index: 0, threads: 2, memory: 4 * 1024 }],
    disks: [{ name: 'sda', size: 20 * GB, blockSize: 512, tags: ['ssd'], byId: 'wwn-' }],
    nics: [0],
    vendor: 'QEMU',
    product: 'Standard PC (Q35 + ICH9, 2009)',
    virtual: true,
  },
} as const;

describe(parseLxdResources, () => {
  it.each(simProfileNames.map((name, index) => [name, index] as const))(
    "reads the simulator's %s profile with exactly its figures",
    (name, index) => {
      const expected = profiles[name as keyof typeof profiles];
      const { document, macs } = simHardware(index, 3, 'unit');
      const sim = document as { resources: { storage: { disks: { serial: string }[] }; system: Doc } };
      const inventory = parseLxdResources(document);
      expect(inventory.cpuCount).toBe(expected.cpuCount);
      expect(inventory.cpuSpeed).toBe(expected.cpuSpeed);
      expect(inventory.cpuModel).toBe(expected.cpuModel);
      expect(inventory.memory).toBe(expected.memory);
      expect(
        inventory.numaNodes.map((n) => ({ index: n.index, threads: n.cores.length, memory: n.memory })),
      ).toEqual(expected.numa);
      expect(inventory.numaNodes.flatMap((n) => n.cores).sort((a, b) => a - b)).toEqual(
        Array.from({ length: expected.cpuCount }, (_, i) => i),
      );
      expect(inventory.numaNodes[0]?.hugepages).toEqual({ pageSize: 2097152, count: 0 });
      expect(inventory.disks).toEqual(
        expected.disks.map((d, i) => {
          const serial = sim.resources.storage.disks[i]?.serial ?? '';
          return expect.objectContaining({
            name: d.name,
            size: d.size,
            blockSize: d.blockSize,
            tags: d.tags,
            serial,
            idPath: `/dev/disk/by-id/${d.byId}${serial}`,
          }) as unknown;
        }),
      );
      expect(inventory.nics.map((n) => n.mac)).toEqual(macs);
      expect(inventory.nics.map((n) => n.linkSpeed)).toEqual(expected.nics);
      // The card's fastest supported mode (the simulator's top speed), 0 when it reports none.
      expect(inventory.nics.map((n) => n.interfaceSpeed)).toEqual(expected.nics);
      expect(inventory.nics.every((n) => n.linkConnected)).toBe(true);
      expect(inventory.hardwareInfo).toMatchObject({
        system_vendor: expected.vendor,
        system_product: expected.product,
        system_serial: sim.resources.system['serial'],
        mainboard_product: `${name}-board`,
        mainboard_version: 'A01',
        mainboard_firmware_date: '03/01/2023',
        mainboard_firmware_version: '2.17.1',
      });
      // Empty DMI strings are not facts: hardware_info shows "Unknown" for them.
      expect(inventory.hardwareInfo).not.toHaveProperty('system_version');
      expect(inventory.virtual).toBe(expected.virtual);
      expect(inventory.kernelArchitecture).toBe('amd64');
    },
  );

  it('reads a real VM document: virtio disk by its kernel name, the CD-ROM left out, the NIC', () => {
    const inventory: ResourcesInventory = parseLxdResources(realVmDocument());
    expect(inventory).toEqual({
      cpuCount: 2,
      // Neither a speed in the name nor a turbo frequency: the current one, to 100 MHz.
      cpuSpeed: 2100,
      cpuModel: 'Intel Core Processor (Skylake, IBRS)',
      memory: 2048,
      numaNodes: [{ index: 0, cores: [0, 1], memory: 2048, hugepages: { pageSize: 2097152, count: 0 } }],
      disks: [
        {
          name: 'vda',
          idPath: '/dev/vda',
          model: '',
          serial: '',
          size: 10737418240,
          blockSize: 512,
          firmwareVersion: '',
          numaNode: 0,
          tags: ['ssd'],
          deviceAddress: '0000:04:00.0',
        },
      ],
      nics: [
        {
          mac: '00:16:3e:ab:cd:ef',
          name: 'enp5s0',
          vendor: 'Red Hat, Inc.',
          product: 'Virtio network device',
          firmwareVersion: null,
          linkConnected: true,
          linkSpeed: 0,
          interfaceSpeed: 0,
          numaNode: 0,
          sriovMaxVf: 0,
          deviceAddress: '0000:05:00.0',
        },
      ],
      // The virtio NIC is the one PCI device listed.
      devices: [
        {
          bus: 'pcie',
          vendorId: '1af4',
          productId: '1041',
          vendorName: 'Red Hat, Inc.',
          productName: 'Virtio network device',
          driver: 'virtio-pci',
          numaNode: 0,
          address: '0000:05:00.0',
          busNumber: 5,
          deviceNumber: 0,
          hardwareType: 'network',
          interfaceMac: '00:16:3e:ab:cd:ef',
          diskName: null,
        },
      ],
      hardwareInfo: {
        system_vendor: 'QEMU',
        system_product: 'Standard PC (Q35 + ICH9, 2009)',
        system_version: 'pc-q35-6.2',
        mainboard_firmware_vendor: 'EFI Development Kit II / OVMF',
        mainboard_firmware_date: '02/06/2015',
        mainboard_firmware_version: '0.0.0',
        chassis_vendor: 'QEMU',
        chassis_type: 'Other',
        chassis_version: 'pc-q35-6.2',
      },
      hardwareUuid: '5d0f3b2e-9a1c-4c3b-8e7f-2a1b3c4d5e6f',
      virtual: true,
      kernelArchitecture: 'amd64',
    });
  });

  it('reads the bare resources (without the api_version wrapper) the same', () => {
    const wrapped = realVmDocument();
    expect(parseLxdResources(wrapped['resources'])).toEqual({
      ...parseLxdResources(wrapped),
      kernelArchitecture: undefined,
    });
  });

  it('takes the fastest supported mode as the interface speed, SR-IOV and a down link', () => {
    const doc = realVmDocument() as {
      resources: { network: { cards: Doc[] } };
      networks: Record<string, Doc>;
    };
    const card = doc.resources.network.cards[0] ?? {};
    card['sriov'] = { current_vfs: 0, maximum_vfs: 64, vfs: null };
    card['firmware_version'] = '14.32.1010';
    card['ports'] = [
      {
        id: 'enp5s0',
        address: '00:16:3e:ab:cd:ef',
        link_detected: true,
        link_speed: 10000,
        supported_modes: ['1000baseT/Full', '10000baseT/Full', '25000baseCR/Full'],
      },
    ];
    const up = parseLxdResources(doc).nics[0];
    expect(up).toMatchObject({
      interfaceSpeed: 25000,
      linkSpeed: 10000,
      sriovMaxVf: 64,
      linkConnected: true,
    });
    expect(up?.firmwareVersion).toBe('14.32.1010');
    (doc.networks['enp5s0'] ?? {})['state'] = 'down';
    expect(parseLxdResources(doc).nics[0]).toMatchObject({ linkConnected: false, linkSpeed: 0 });
  });

  it('leaves out read-only disks, loop devices and tiny disks, and tags removable spinning SATA ones', () => {
    const doc = realVmDocument() as { resources: { storage: { disks: Doc[] } } };
    const base = { read_only: false, removable: false, numa_node: 0, block_size: 0, rpm: 0, type: 'sata' };
    doc.resources.storage.disks = [
      { ...base, id: 'loop0', size: 100 * GB, type: '' },
      { ...base, id: 'sdb', size: 4 * 1024 * 1024 },
      { ...base, id: 'sdc', size: 100 * GB, read_only: true },
      {
        ...base,
        id: 'sdd',
        size: 2000 * GB,
        rpm: 5400,
        removable: true,
        serial: 'Z1',
        device_id: 'wwn-0x5000',
      },
    ];
    expect(parseLxdResources(doc).disks).toEqual([
      {
        name: 'sdd',
        idPath: '/dev/disk/by-id/wwn-0x5000',
        model: '',
        serial: 'Z1',
        size: 2000 * GB,
        blockSize: 512,
        firmwareVersion: null,
        numaNode: 0,
        tags: ['rotary', '5400rpm', 'removable', 'sata'],
        deviceAddress: null,
      },
    ]);
  });

  it('reads PCI and USB devices: what each is (NIC, NVMe disk, GPU, other), its slot and drivers', () => {
    const doc = realVmDocument() as {
      resources: { storage: { disks: Doc[] }; pci: { devices: Doc[] }; usb: { devices: Doc[] }; gpu: Doc };
    };
    const pci = (address: string, vendor_id: string, product_id: string, extra: Doc = {}) => ({
      pci_address: address,
      vendor_id,
      product_id,
      vendor: 'V',
      product: 'P',
      driver: 'd',
      numa_node: 1,
      ...extra,
    });
    doc.resources.storage.disks.push({
      id: 'nvme0n1',
      size: 1600 * GB,
      type: 'nvme',
      read_only: false,
      removable: false,
      rpm: 0,
      device_path: 'pci-0000:5e:00.0-nvme-1',
    });
    doc.resources.pci.devices.push(
      pci('0000:5E:00.0', '144D', 'A824'),
      pci('0000:03:00.0', '102b', '0536', { driver: undefined }),
      pci('0000:00:1f.2', '8086', '2922'),
      // The same slot again: taken once.
      pci('0000:00:1f.2', '8086', '2922'),
    );
    doc.resources.gpu = { cards: [{ pci_address: '0000:03:00.0' }], total: 1 };
    doc.resources.usb.devices = [
      {
        bus_address: 1,
        device_address: 2,
        vendor_id: '046b',
        product_id: 'ff10',
        vendor: 'American Megatrends, Inc.',
        product: 'Virtual Keyboard and Mouse',
        interfaces: [{ driver: 'usbhid' }, { driver: 'usbhid' }, { driver: 'hub' }],
      },
      // LXD writes an empty list as null.
      { bus_address: 2, device_address: 1, vendor_id: '1d6b', product_id: '0003', interfaces: null },
    ];
    const devices = parseLxdResources(doc).devices;
    expect(devices.map((d) => [d.bus, d.address, d.hardwareType, d.busNumber, d.deviceNumber])).toEqual([
      ['pcie', '0000:05:00.0', 'network', 5, 0],
      ['pcie', '0000:5e:00.0', 'storage', 0x5e, 0],
      ['pcie', '0000:03:00.0', 'gpu', 3, 0],
      ['pcie', '0000:00:1f.2', 'node', 0, 0x1f],
      ['usb', '1:2', 'node', 1, 2],
      ['usb', '2:1', 'node', 2, 1],
    ]);
    expect(devices[1]).toMatchObject({
      vendorId: '144d',
      productId: 'a824',
      diskName: 'nvme0n1',
      numaNode: 1,
    });
    expect(devices[2]?.driver).toBe('');
    expect(devices[4]).toMatchObject({
      driver: 'hub, usbhid',
      numaNode: 0,
      vendorName: 'American Megatrends, Inc.',
    });
    expect(devices[5]).toMatchObject({ driver: '', vendorName: '', productName: '' });
  });

  it('refuses device ids that are not 4 hex digits and PCI addresses that are not BDF, by path', () => {
    const doc = realVmDocument() as { resources: { pci: { devices: Doc[] }; usb: { devices: Doc[] } } };
    doc.resources.pci.devices = [
      { pci_address: '05:00', vendor_id: '1af4', product_id: '1041' },
      { pci_address: '0000:06:00.0', vendor_id: '1af41', product_id: 'zz' },
    ];
    doc.resources.usb.devices = [{ bus_address: 1, vendor_id: '1d6b', product_id: '0002' }];
    expect(refusal(doc)).toEqual({
      'resources.pci.devices[0].pci_address': ["'05:00' is not a PCI address (domain:bus:device.function)."],
      'resources.pci.devices[1].vendor_id': ["'1af41' is not a device id (4 hex digits)."],
      'resources.pci.devices[1].product_id': ["'zz' is not a device id (4 hex digits)."],
      'resources.usb.devices[0].device_address': ['This field is required.'],
    });
  });

  it('leaves the CPU model out when the sockets differ, and uses the highest turbo frequency', () => {
    const doc = realVmDocument() as { resources: { cpu: { sockets: Doc[] } } };
    const [socket] = doc.resources.cpu.sockets;
    doc.resources.cpu.sockets = [
      { ...socket, name: 'AMD EPYC 7302', frequency_turbo: 3000 },
      { ...socket, name: 'AMD EPYC 7402', frequency_turbo: 3350 },
    ];
    const inventory = parseLxdResources(doc);
    expect(inventory.cpuModel).toBeUndefined();
    expect(inventory.cpuSpeed).toBe(3350);
  });

  it('refuses what is not a resources document, naming the field', () => {
    expect(refusedFields(null)).toEqual(['document']);
    expect(refusedFields([1, 2])).toEqual(['document']);
    expect(refusedFields('{"cpu":{}}')).toEqual(['document']);
    expect(refusedFields({})).toEqual(['cpu', 'memory', 'storage', 'network']);
  });

  it('refuses a wrapped document of another API version or without the extensions MAAS requires', () => {
    expect(refusedFields({ ...realVmDocument(), api_version: '2.0' })).toEqual(['api_version']);
    expect(refusedFields({ ...realVmDocument(), api_extensions: ['resources'] })).toEqual(['api_extensions']);
    const { resources: _resources, ...noResources } = realVmDocument();
    expect(refusedFields(noResources)).toEqual(['resources']);
  });

  it('refuses wrong types and missing sections, naming each field by its path', () => {
    const doc = realVmDocument() as {
      resources: { cpu?: unknown; storage: { disks: Doc[] }; network: Doc; memory: Doc };
    };
    delete doc.resources.cpu;
    (doc.resources.storage.disks[0] ?? {})['size'] = '10G';
    doc.resources.network['cards'] = { eth0: {} };
    doc.resources.memory['total'] = -1;
    expect(refusedFields(doc).sort()).toEqual([
      'resources.cpu',
      'resources.memory.total',
      'resources.network.cards',
      'resources.storage.disks[0].size',
    ]);
  });

  it('refuses a NIC with a malformed MAC and a disk listed twice', () => {
    const doc = realVmDocument() as {
      resources: { network: { cards: { ports: Doc[] }[] }; storage: { disks: Doc[] } };
    };
    const port = doc.resources.network.cards[0]?.ports[0] ?? {};
    port['address'] = '00:16:3e:zz:cd:ef';
    const disk = doc.resources.storage.disks[0] ?? {};
    doc.resources.storage.disks.push({ ...disk });
    expect(refusedFields(doc).sort()).toEqual([
      'resources.network.cards[0].ports[0].address',
      'resources.storage.disks[2].id',
    ]);
  });
});
