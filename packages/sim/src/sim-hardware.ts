import type { SimHardware } from './machine-simulator.js';

/** A kind of machine the simulator makes, with its figures. */
interface Profile {
  readonly name: string;
  readonly vendor: string;
  readonly product: string;
  readonly cpuModel: string;
  readonly sockets: number;
  readonly coresPerSocket: number;
  readonly threadsPerCore: number;
  readonly mhz: number;
  /** GiB per NUMA node (one node a socket). */
  readonly memoryGiBPerNode: number;
  readonly disks: readonly {
    readonly type: 'nvme' | 'sata' | 'scsi';
    readonly sizeGB: number;
    readonly rpm: number;
    readonly model: string;
  }[];
  /** NICs: speed in Mbit/s. */
  readonly nics: readonly {
    readonly speed: number;
    readonly vendor: string;
    readonly product: string;
    readonly driver: string;
  }[];
  readonly virtual: boolean;
}

const profiles: readonly Profile[] = [
  {
    name: '1u-compute',
    vendor: 'Dell Inc.',
    product: 'PowerEdge R650',
    cpuModel: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    sockets: 2,
    coresPerSocket: 32,
    threadsPerCore: 2,
    mhz: 2000,
    memoryGiBPerNode: 256,
    disks: [
      { type: 'nvme', sizeGB: 1600, rpm: 0, model: 'Dell Ent NVMe v2 AGN MU U.2 1.6TB' },
      { type: 'nvme', sizeGB: 1600, rpm: 0, model: 'Dell Ent NVMe v2 AGN MU U.2 1.6TB' },
      { type: 'sata', sizeGB: 480, rpm: 0, model: 'MZ7LH480HBHQ0D3' },
      { type: 'sata', sizeGB: 480, rpm: 0, model: 'MZ7LH480HBHQ0D3' },
    ],
    nics: [
      {
        speed: 25000,
        vendor: 'Mellanox Technologies',
        product: 'MT27710 Family [ConnectX-4 Lx]',
        driver: 'mlx5_core',
      },
      {
        speed: 25000,
        vendor: 'Mellanox Technologies',
        product: 'MT27710 Family [ConnectX-4 Lx]',
        driver: 'mlx5_core',
      },
    ],
    virtual: false,
  },
  {
    name: 'storage',
    vendor: 'Supermicro',
    product: 'SSG-6049P-E1CR36L',
    cpuModel: 'Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz',
    sockets: 2,
    coresPerSocket: 12,
    threadsPerCore: 2,
    mhz: 2200,
    memoryGiBPerNode: 96,
    disks: [
      { type: 'sata', sizeGB: 240, rpm: 0, model: 'INTEL SSDSC2KB240G8' },
      ...Array.from({ length: 12 }, () => ({
        type: 'scsi' as const,
        sizeGB: 16000,
        rpm: 7200,
        model: 'ST16000NM002G',
      })),
    ],
    nics: [
      {
        speed: 10000,
        vendor: 'Intel Corporation',
        product: 'Ethernet Controller X710 for 10GbE SFP+',
        driver: 'i40e',
      },
      {
        speed: 10000,
        vendor: 'Intel Corporation',
        product: 'Ethernet Controller X710 for 10GbE SFP+',
        driver: 'i40e',
      },
      { speed: 1000, vendor: 'Intel Corporation', product: 'I350 Gigabit Network Connection', driver: 'igb' },
    ],
    virtual: false,
  },
  {
    name: 'older-1s',
    vendor: 'HPE',
    product: 'ProLiant DL20 Gen10',
    cpuModel: 'Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz',
    sockets: 1,
    coresPerSocket: 6,
    threadsPerCore: 2,
    mhz: 3400,
    memoryGiBPerNode: 32,
    disks: [{ type: 'sata', sizeGB: 1000, rpm: 7200, model: 'MB001000GWJAN' }],
    nics: [
      {
        speed: 1000,
        vendor: 'Broadcom Inc. and subsidiaries',
        product: 'NetXtreme BCM5720 Gigabit',
        driver: 'tg3',
      },
    ],
    virtual: false,
  },
  {
    name: 'small-vm',
    vendor: 'QEMU',
    product: 'Standard PC (Q35 + ICH9, 2009)',
    cpuModel: 'Intel Core Processor (Skylake, IBRS)',
    sockets: 1,
    coresPerSocket: 2,
    threadsPerCore: 1,
    mhz: 2400,
    memoryGiBPerNode: 4,
    disks: [{ type: 'scsi', sizeGB: 20, rpm: 0, model: 'QEMU HARDDISK' }],
    nics: [{ speed: 0, vendor: 'Red Hat, Inc.', product: 'Virtio network device', driver: 'virtio_net' }],
    virtual: true,
  },
];

/** A small deterministic PRNG (mulberry32): the same seed makes the same machines. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * Locally administered MACs, unique per machine index (up to 16,777,215) and NIC; `space` (one
 * byte) keeps two simulators' machines apart.
 */
function macOf(space: number, index: number, nic: number): string {
  const bytes = [2, space & 255, (index >> 16) & 255, (index >> 8) & 255, index & 255, nic];
  return bytes.map((b) => hex(b, 2)).join(':');
}

/** PCI vendor and product ids of the simulated parts, by product name (from the pci.ids database). */
const pciIds: Readonly<Record<string, readonly [string, string]>> = {
  'MT27710 Family [ConnectX-4 Lx]': ['15b3', '1015'],
  'Ethernet Controller X710 for 10GbE SFP+': ['8086', '1572'],
  'I350 Gigabit Network Connection': ['8086', '1521'],
  'NetXtreme BCM5720 Gigabit': ['14e4', '165f'],
  'Virtio network device': ['1af4', '1000'],
};

interface PciPart {
  readonly vendor_id: string;
  readonly product_id: string;
  readonly vendor: string;
  readonly product: string;
  readonly driver: string;
}

/**
 * The machine's PCI and USB devices as LXD lists them: its NICs, NVMe drives, disk controller
 * and graphics (listed in `gpu.cards` too), a USB root hub, and the BMC's virtual keyboard (a
 * VM's tablet).
 */
function busDevices(
  profile: Profile,
  cards: readonly { pci_address: string; vendor: string; product: string; driver: string }[],
) {
  const pci: Record<string, unknown>[] = [];
  const device = (address: string, part: PciPart) =>
    pci.push({ ...part, driver_version: '', numa_node: 0, pci_address: address, iommu_group: pci.length });
  const graphics: PciPart = profile.virtual
    ? {
        vendor_id: '1af4',
        product_id: '1050',
        vendor: 'Red Hat, Inc.',
        product: 'Virtio GPU',
        driver: 'virtio-pci',
      }
    : {
        vendor_id: '102b',
        product_id: '0536',
        vendor: 'Matrox Electronics Systems Ltd.',
        product: 'Integrated Matrox G200eW3 Graphics Controller',
        driver: 'mgag200',
      };
  const graphicsAddress = profile.virtual ? '0000:00:01.0' : '0000:03:00.0';
  device(graphicsAddress, graphics);
  if (profile.disks.some((d) => d.type !== 'nvme'))
    device(
      '0000:18:00.0',
      profile.virtual
        ? {
            vendor_id: '1af4',
            product_id: '1004',
            vendor: 'Red Hat, Inc.',
            product: 'Virtio SCSI',
            driver: 'virtio-pci',
          }
        : {
            vendor_id: '1000',
            product_id: '005d',
            vendor: 'Broadcom / LSI',
            product: 'MegaRAID SAS-3 3108 [Invader]',
            driver: 'megaraid_sas',
          },
    );
  profile.disks.forEach((disk, i) => {
    if (disk.type === 'nvme')
      device(`0000:${hex(0x5e + i, 2)}:00.0`, {
        vendor_id: '144d',
        product_id: 'a824',
        vendor: 'Samsung Electronics Co Ltd',
        product: 'NVMe SSD Controller PM173X',
        driver: 'nvme',
      });
  });
  for (const card of cards) {
    const [vendorId, productId] = pciIds[card.product] ?? ['ffff', 'ffff'];
    device(card.pci_address, {
      vendor_id: vendorId,
      product_id: productId,
      vendor: card.vendor,
      product: card.product,
      driver: card.driver,
    });
  }
  /** A USB interface as LXD lists it: its class and the driver bound to it. */
  const usbInterface = (
    number: number,
    [cls, classId, driver, subclass, subclassId]: readonly [string, number, string, string, number],
  ) => ({
    class: cls,
    class_id: classId,
    driver,
    driver_version: '',
    number,
    subclass,
    subclass_id: subclassId,
  });
  const hid = ['Human Interface Device', 3, 'usbhid', 'Boot Interface Subclass', 1] as const;
  const usb = [
    {
      bus_address: 1,
      device_address: 1,
      vendor_id: '1d6b',
      product_id: '0002',
      vendor: 'Linux Foundation',
      product: '2.0 root hub',
      speed: 480,
      interfaces: [usbInterface(0, ['Hub', 9, 'hub', 'Unused', 0])],
    },
    profile.virtual
      ? {
          bus_address: 1,
          device_address: 2,
          vendor_id: '0627',
          product_id: '0001',
          vendor: 'Adomax Technology Co., Ltd',
          product: 'QEMU USB Tablet',
          speed: 12,
          interfaces: [usbInterface(0, ['Human Interface Device', 3, 'usbhid', 'No Subclass', 0])],
        }
      : {
          bus_address: 1,
          device_address: 2,
          vendor_id: '046b',
          product_id: 'ff10',
          vendor: 'American Megatrends, Inc.',
          product: 'Virtual Keyboard and Mouse',
          speed: 480,
          interfaces: [usbInterface(0, hid), usbInterface(1, hid)],
        },
  ];

  const gpus = [{ ...graphics, driver_version: '', numa_node: 0, pci_address: graphicsAddress }];
  return { pci, usb, gpus };
}

/** One byte from a name: the MAC space of a simulator's machines. */
function spaceOf(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619) >>> 0;
  return hash & 255;
}

const GiB = 1024 ** 3;

/**
 * The hardware of simulated machine `index`: one of a few realistic profiles (a 1U compute
 * server, a storage box, an older single-socket server, a small VM), with serials and MACs of
 * its own, as the commissioning resources document MAAS's `50-maas-01-commissioning` outputs:
 * `api_version` 1.0, the LXD resources API extensions MAAS requires, and `resources` in the LXD
 * resources API's shape (cpu, memory, gpu, network, storage, usb, pci, system). Simulators
 * with another `namespace` (their hostname prefix) or seed get other MACs.
 */
export function simHardware(index: number, seed = 1, namespace = 'sim'): SimHardware {
  const profile = profiles[index % profiles.length] ?? profiles[0];
  if (!profile) throw new Error('no hardware profiles');
  const rand = random(seed * 1_000_003 + index);
  const serial = (prefix: string) => `${prefix}${hex(Math.floor(rand() * 0xffffffff), 8).toUpperCase()}`;
  const space = spaceOf(`${namespace}/${String(seed)}`);
  const macs = profile.nics.map((_, nic) => macOf(space, index, nic));
  let thread = 0;
  const sockets = Array.from({ length: profile.sockets }, (_, socket) => ({
    name: profile.cpuModel,
    vendor: 'GenuineIntel',
    socket,
    cache: [],
    frequency: profile.mhz,
    frequency_minimum: 800,
    // A virtual machine's vCPUs report no turbo frequency (QEMU shows none).
    ...(profile.virtual ? {} : { frequency_turbo: profile.mhz + 1000 }),
    cores: Array.from({ length: profile.coresPerSocket }, (_, core) => ({
      core,
      die: 0,
      frequency: profile.mhz,
      threads: Array.from({ length: profile.threadsPerCore }, (_, t) => ({
        id: thread++,
        numa_node: socket,
        thread: t,
        online: true,
        isolated: false,
      })),
    })),
  }));
  const memoryNodes = Array.from({ length: profile.sockets }, (_, node) => ({
    numa_node: node,
    hugepages_used: 0,
    hugepages_total: 0,
    used: Math.floor(profile.memoryGiBPerNode * GiB * 0.02),
    total: profile.memoryGiBPerNode * GiB,
  }));
  const disks = profile.disks.map((disk, i) => {
    const name = disk.type === 'nvme' ? `nvme${String(i)}n1` : `sd${String.fromCharCode(97 + i)}`;
    const diskSerial = serial(disk.type === 'nvme' ? 'S4YNNE0' : 'ZL2');
    return {
      id: name,
      device: `${disk.type === 'nvme' ? 259 : 8}:${String(i * 16)}`,
      model: disk.model,
      type: disk.type,
      read_only: false,
      size: disk.sizeGB * 1e9,
      removable: false,
      numa_node: 0,
      device_path:
        disk.type === 'nvme'
          ? `pci-0000:${hex(0x5e + i, 2)}:00.0-nvme-1`
          : `pci-0000:18:00.0-scsi-0:0:${String(i)}:0`,
      block_size: disk.type === 'scsi' && disk.rpm > 0 ? 4096 : 512,
      firmware_version: disk.type === 'nvme' ? '2.1.8' : 'HPG4',
      rpm: disk.rpm,
      serial: diskSerial,
      device_id: `${disk.type === 'nvme' ? 'nvme' : 'wwn'}-${diskSerial}`,
      partitions: [],
    };
  });
  const cards = profile.nics.map((nic, i) => ({
    driver: nic.driver,
    driver_version: '5.15.0',
    ports: [
      {
        id: `eth${String(i)}`,
        address: macs[i],
        port: 0,
        protocol: 'ethernet',
        auto_negotiation: true,
        link_detected: true,
        // ethtool's link modes: the card's top speed, and 1G/10G below it.
        supported_modes: [1000, 10000, nic.speed]
          .filter((mbits, at, all) => mbits > 0 && mbits <= nic.speed && all.indexOf(mbits) === at)
          .map((mbits) => `${String(mbits)}base${mbits >= 25000 ? 'CR' : 'T'}/Full`),
        ...(nic.speed > 0 ? { link_speed: nic.speed, link_duplex: 'full' } : {}),
      },
    ],
    numa_node: 0,
    pci_address: `0000:${hex(0x3b + i, 2)}:00.0`,
    vendor: nic.vendor,
    product: nic.product,
    firmware_version: '14.32.1010',
  }));
  const { pci, usb, gpus } = busDevices(profile, cards);
  const system = {
    uuid: [8, 4, 4, 4, 12]
      .map((w) => hex(Math.floor(rand() * 16 ** Math.min(w, 8)), w).slice(0, w))
      .join('-'),
    vendor: profile.vendor,
    product: profile.product,
    family: profile.product.split(' ')[0] ?? '',
    version: '',
    sku: '',
    serial: serial('SN'),
    type: profile.virtual ? 'kvm' : 'physical',
    firmware: { vendor: profile.virtual ? 'SeaBIOS' : profile.vendor, date: '03/01/2023', version: '2.17.1' },
    chassis: {
      vendor: profile.vendor,
      type: profile.virtual ? 'Other' : 'Rack Mount Chassis',
      serial: serial('CH'),
      version: '',
    },
    motherboard: {
      vendor: profile.vendor,
      product: `${profile.name}-board`,
      serial: serial('MB'),
      version: 'A01',
    },
  };
  const resources = {
    cpu: { architecture: 'x86_64', sockets, total: thread },
    memory: {
      nodes: memoryNodes,
      hugepages_total: 0,
      hugepages_used: 0,
      hugepages_size: 2097152,
      used: memoryNodes.reduce((s, n) => s + n.used, 0),
      total: memoryNodes.reduce((s, n) => s + n.total, 0),
    },
    gpu: { cards: gpus, total: gpus.length },
    network: { cards, total: cards.length },
    storage: { disks, total: disks.length },
    usb: { devices: usb, total: usb.length },
    pci: { devices: pci, total: pci.length },
    system,
  };
  return {
    macs,
    architecture: 'amd64/generic',
    document: {
      api_extensions: ['resources', 'resources_v2', 'api_os', 'resources_system', 'resources_usb_pci'],
      api_version: '1.0',
      environment: {
        kernel: 'Linux',
        kernel_architecture: 'x86_64',
        kernel_version: '5.15.0-91-generic',
        os_name: 'ubuntu',
        os_version: '22.04',
        server: 'maas-machine-resources',
        server_name: `sim-${String(index)}`,
        server_version: '5.0',
      },
      resources,
      networks: Object.fromEntries(
        cards.map((card, i) => [
          `eth${String(i)}`,
          {
            hwaddr: card.ports[0]?.address,
            type: 'broadcast',
            state: 'up',
            mtu: 1500,
            addresses: [],
            counters: {},
          },
        ]),
      ),
    },
  };
}

/** The profiles' names, in the order machines take them (index modulo their count). */
export const simProfileNames: readonly string[] = profiles.map((p) => p.name);
