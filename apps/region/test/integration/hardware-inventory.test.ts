import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { simHardware } from '@ferrum/sim';
import { useTestRegion } from '../support/test-region.js';
import { api, machineKey, signal } from './metadata-fixtures.js';
import { HardwareInventory } from '../../src/services/hardware-inventory.js';

const region = useTestRegion();

interface BlockDevice {
  id: number;
  name: string;
  id_path: string;
  model: string;
  serial: string;
  size: number;
  block_size: number;
  tags: string[];
  firmware_version: string | null;
}

interface Interface {
  id: number;
  name: string;
  type: string;
  mac_address: string;
  vendor: string | null;
  product: string | null;
  firmware_version: string | null;
  link_speed: number;
  interface_speed: number;
  link_connected: boolean;
  sriov_max_vf: number;
}

interface Machine {
  system_id: string;
  status_name: string;
  architecture: string;
  cpu_count: number;
  cpu_speed: number;
  memory: number;
  storage: number;
  hardware_uuid: string | null;
  hardware_info: Record<string, string>;
  numanode_set: { index: number; cores: number[]; memory: number; hugepages_set: unknown[] }[];
  physicalblockdevice_set: BlockDevice[];
  blockdevice_set: BlockDevice[];
  interface_set: Interface[];
  boot_interface: Interface | null;
  tag_names: string[];
}

interface SimDisk {
  id: string;
  size: number;
  serial: string;
  model: string;
  device_id: string;
  block_size: number;
  firmware_version: string;
  [key: string]: unknown;
}

interface SimDocument {
  resources: {
    cpu: { total: number };
    memory: { total: number; nodes: { total: number }[] };
    storage: { disks: SimDisk[]; total: number };
    network: {
      cards: { ports: { id: string; address: string }[]; firmware_version: string }[];
      total: number;
    };
    system: Record<string, unknown> & { uuid: string; serial: string };
  };
  networks: Record<string, unknown>;
}

const GiB = 1024 ** 3;

/** The simulator's machine `index` (seeded apart from other tests' machines). */
function hardware(index: number) {
  const { document, macs } = simHardware(index, 11, 'hardware-inventory');
  return { document: document as SimDocument, macs };
}

async function get(systemId: string): Promise<Machine> {
  const response = await region.request('GET', `${api}${systemId}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Machine>();
}

/** A machine commissioning, created with the first MAC of its hardware (as an admin enrols it). */
async function commissioning(hostname: string, mac: string): Promise<{ systemId: string; key: string }> {
  const created = await region.request('POST', api, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: mac, power_type: 'manual', hostname },
  });
  expect(created.statusCode, created.body).toBe(200);
  const systemId = created.json<Machine>().system_id;
  return { systemId, key: await machineKey(region, systemId) };
}

const inventory = () => new HardwareInventory({ db: region.database.db, events: region.services.events });

async function rowCounts(machineId: number) {
  const db = region.database.db;
  const [disks, nics] = await Promise.all([
    db.selectFrom('block_devices').select('name').where('machine_id', '=', machineId).execute(),
    db.selectFrom('interfaces').select('name').where('machine_id', '=', machineId).execute(),
  ]);
  return { disks: disks.length, nics: nics.length };
}

async function machineId(systemId: string): Promise<number> {
  const row = await region.database.db
    .selectFrom('machines')
    .select('id')
    .where('system_id', '=', systemId)
    .executeTakeFirstOrThrow();
  return row.id;
}

describe(HardwareInventory, () => {
  it("records the commissioning document's inventory, shown by the machine JSON, and updates it in place", async () => {
    const { document, macs } = hardware(0);
    const { systemId, key } = await commissioning('hw-compute', macs[0] ?? '');
    const sent = await signal(
      region,
      key,
      { status: 'WORKING' },
      { '50-maas-01-commissioning.out': JSON.stringify(document) },
    );
    expect(sent.statusCode, sent.body).toBe(200);

    const first = await get(systemId);
    const { resources } = document;
    expect(first.cpu_count).toBe(128);
    expect(first.cpu_speed).toBe(2000);
    expect(first.memory).toBe(512 * 1024);
    expect(first.hardware_uuid).toBe(resources.system.uuid);
    expect(first.hardware_info).toMatchObject({
      system_vendor: 'Dell Inc.',
      system_product: 'PowerEdge R650',
      system_family: 'PowerEdge',
      system_serial: resources.system.serial,
      cpu_model: 'Intel(R) Xeon(R) Gold 6338 CPU',
      mainboard_product: '1u-compute-board',
      mainboard_firmware_version: '2.17.1',
      chassis_type: 'Rack Mount Chassis',
      // DMI gives no version: MAAS shows "Unknown".
      system_version: 'Unknown',
    });
    expect(first.numanode_set).toEqual([
      {
        index: 0,
        cores: Array.from({ length: 64 }, (_, i) => i),
        memory: 256 * 1024,
        hugepages_set: [{ page_size: 2097152, total: 0 }],
      },
      {
        index: 1,
        cores: Array.from({ length: 64 }, (_, i) => 64 + i),
        memory: 256 * 1024,
        hugepages_set: [{ page_size: 2097152, total: 0 }],
      },
    ]);
    expect(
      first.physicalblockdevice_set.map((d) => ({
        name: d.name,
        id_path: d.id_path,
        model: d.model,
        serial: d.serial,
        size: d.size,
        block_size: d.block_size,
        tags: d.tags,
        firmware_version: d.firmware_version,
      })),
    ).toEqual(
      resources.storage.disks.map((d) => ({
        name: d.id,
        id_path: `/dev/disk/by-id/${d.device_id}`,
        model: d.model,
        serial: d.serial,
        size: d.size,
        block_size: 512,
        tags: d.id.startsWith('nvme') ? ['ssd', 'nvme'] : ['ssd', 'sata'],
        firmware_version: d.firmware_version,
      })),
    );
    expect(first.storage).toBe((2 * 1600e9 + 2 * 480e9) / 1e6);
    expect(first.interface_set.map((i) => [i.name, i.mac_address, i.type])).toEqual([
      ['eth0', macs[0], 'physical'],
      ['eth1', macs[1], 'physical'],
    ]);
    for (const iface of first.interface_set)
      expect(iface).toMatchObject({
        vendor: 'Mellanox Technologies',
        product: 'MT27710 Family [ConnectX-4 Lx]',
        firmware_version: '14.32.1010',
        link_connected: true,
        link_speed: 25000,
        sriov_max_vf: 0,
      });
    expect(first.boot_interface?.mac_address).toBe(macs[0]);
    expect(first.tag_names).not.toContain('virtual');

    // Commissioning ends; the administrator names the uplink.
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    const eth0 = first.interface_set[0];
    const renamed = await region.request(
      'PUT',
      `/MAAS/api/2.0/nodes/${systemId}/interfaces/${String(eth0?.id)}/`,
      {
        key: region.adminKey,
        form: { name: 'uplink' },
      },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);

    // Re-commissioned: sdd replaced by another disk, a NIC added, half the memory, new firmware.
    const changed = structuredClone(document);
    const replaced = changed.resources.storage.disks[3];
    if (!replaced) throw new Error('no fourth disk');
    Object.assign(replaced, {
      serial: 'NEWSERIAL01',
      device_id: 'wwn-NEWSERIAL01',
      size: 960e9,
      model: 'MZ7L3960',
    });
    for (const node of changed.resources.memory.nodes) node.total = 128 * GiB;
    changed.resources.memory.total = 256 * GiB;
    const card = changed.resources.network.cards[0];
    if (!card) throw new Error('no NIC');
    card.firmware_version = '14.35.2000';
    changed.resources.network.cards.push({
      ...structuredClone(card),
      ports: [{ ...card.ports[0], id: 'eth2', address: '02:fe:00:00:00:07' }],
    });
    await inventory().applyResources(systemId, changed);

    const second = await get(systemId);
    expect(second.memory).toBe(256 * 1024);
    expect(second.numanode_set.map((n) => n.memory)).toEqual([128 * 1024, 128 * 1024]);
    const idOf = (m: Machine, name: string) => m.blockdevice_set.find((d) => d.name === name)?.id;
    for (const name of ['nvme0n1', 'nvme1n1', 'sdc']) expect(idOf(second, name)).toBe(idOf(first, name));
    const oldSdd = idOf(first, 'sdd');
    expect(idOf(second, 'sdd')).not.toBe(oldSdd);
    expect(second.blockdevice_set.map((d) => d.id)).not.toContain(oldSdd);
    expect(second.blockdevice_set.find((d) => d.name === 'sdd')).toMatchObject({
      serial: 'NEWSERIAL01',
      id_path: '/dev/disk/by-id/wwn-NEWSERIAL01',
      size: 960e9,
    });
    expect(second.storage).toBe((2 * 1600e9 + 480e9 + 960e9) / 1e6);
    expect(second.interface_set.map((i) => [i.id, i.name, i.mac_address])).toEqual([
      [eth0?.id, 'uplink', macs[0]],
      [first.interface_set[1]?.id, 'eth1', macs[1]],
      [expect.any(Number) as unknown, 'eth2', '02:fe:00:00:00:07'],
    ]);
    expect(second.interface_set[0]?.firmware_version).toBe('14.35.2000');
    expect(second.boot_interface?.id).toBe(eth0?.id);
    expect(await rowCounts(await machineId(systemId))).toEqual({ disks: 4, nics: 3 });

    // The same document again changes nothing and duplicates nothing.
    await inventory().applyResources(systemId, changed);
    expect(await get(systemId)).toEqual(second);
  });

  it('refuses a bad document naming the field, and changes nothing', async () => {
    const { document, macs } = hardware(2);
    const { systemId } = await commissioning('hw-refused', macs[0] ?? '');
    await inventory().applyResources(systemId, document);
    const before = await get(systemId);

    const bad = structuredClone(document) as unknown as {
      resources: { storage: { disks: Record<string, unknown>[] } };
    };
    const disk = bad.resources.storage.disks[0];
    if (disk) disk['size'] = 'one terabyte';
    const refused = await inventory()
      .applyResources(systemId, { ...bad, resources: { ...bad.resources, cpu: 'lots' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('validation_failed');
    expect(Object.keys((refused as AppError).details['fields'] as object).sort()).toEqual([
      'resources.cpu',
      'resources.storage.disks[0].size',
    ]);
    await expect(inventory().applyResources(systemId, [])).rejects.toThrow(AppError);
    expect(await get(systemId)).toEqual(before);
  });

  it('answers 400 to a signal whose resources document it cannot read, naming the field', async () => {
    const { document, macs } = hardware(1);
    const { systemId, key } = await commissioning('hw-bad-signal', macs[0] ?? '');
    const before = await get(systemId);
    const { api_extensions: _extensions, ...unwrapped } = document as unknown as Record<string, unknown>;
    const sent = await signal(
      region,
      key,
      { status: 'WORKING' },
      { '50-maas-01-commissioning.out': JSON.stringify(unwrapped) },
    );
    expect(sent.statusCode, sent.body).toBe(400);
    expect(sent.body).toContain('api_extensions');
    expect(await get(systemId)).toEqual(before);
  });

  it('tags a virtual machine `virtual`, and untags it when it turns out physical', async () => {
    const vm = hardware(3);
    const { systemId } = await commissioning('hw-vm', vm.macs[0] ?? '');
    await inventory().applyResources(systemId, vm.document);
    const tagged = await get(systemId);
    expect(tagged.tag_names).toContain('virtual');
    expect(tagged.cpu_count).toBe(2);
    expect(tagged.memory).toBe(4096);
    expect(tagged.hardware_info['mainboard_firmware_vendor']).toBe('SeaBIOS');

    const physical = structuredClone(vm.document);
    physical.resources.system['type'] = 'physical';
    await inventory().applyResources(systemId, physical);
    expect((await get(systemId)).tag_names).not.toContain('virtual');
  });

  it('deletes on re-commissioning the NICs no longer found, with their orphaned bonds; skip_networking and skip_storage keep the configuration', async () => {
    // Machine 5 is a storage box as machine 1 is, with MACs of its own.
    const { document, macs } = hardware(5);
    const { systemId, key } = await commissioning('hw-nic-gone', macs[0] ?? '');
    const finish = async (machineKey: string, doc: SimDocument) => {
      const sent = await signal(
        region,
        machineKey,
        { status: 'OK' },
        { '50-maas-01-commissioning.out': JSON.stringify(doc) },
      );
      expect(sent.statusCode, sent.body).toBe(200);
    };
    await finish(key, document);
    const first = await get(systemId);
    expect(first.status_name).toBe('Ready');
    expect(first.interface_set.map((i) => i.name)).toEqual(['eth0', 'eth1', 'eth2']);
    const eth2 = first.interface_set[2];
    const bond = await region.request('POST', `/MAAS/api/2.0/nodes/${systemId}/interfaces/?op=create_bond`, {
      key: region.adminKey,
      form: { name: 'bond0', parents: String(eth2?.id) },
    });
    expect(bond.statusCode, bond.body).toBe(200);

    /** Commissions the machine again, with `options`, and answers its new credentials. */
    const recommission = async (options: Record<string, string> = {}) => {
      const started = await region.request('POST', `${api}${systemId}/?op=commission`, {
        key: region.adminKey,
        form: options,
      });
      expect(started.statusCode, started.body).toBe(200);
      return machineKey(region, systemId);
    };

    // eth2's card is taken out.
    const withoutEth2 = structuredClone(document);
    withoutEth2.resources.network.cards.splice(2, 1);
    await finish(await recommission(), withoutEth2);
    const second = await get(systemId);
    expect(second.interface_set.map((i) => [i.id, i.name])).toEqual([
      [first.interface_set[0]?.id, 'eth0'],
      [first.interface_set[1]?.id, 'eth1'],
    ]);
    const events = await region.request('GET', `/MAAS/api/2.0/events/?op=query&id=${systemId}`, {
      key: region.adminKey,
    });
    expect(events.body).toContain(
      `Interface eth2 (${macs[2] ?? ''}) was deleted: commissioning no longer found it`,
    );

    // With skip_networking and skip_storage, a missing NIC and a missing disk stay, unchanged.
    const fewer = structuredClone(withoutEth2);
    fewer.resources.network.cards.splice(1, 1);
    const card = fewer.resources.network.cards[0];
    if (card) card.firmware_version = '99.0';
    fewer.resources.storage.disks.splice(0, 1);
    fewer.resources.storage.total -= 1;
    await finish(await recommission({ skip_networking: '1', skip_storage: '1' }), fewer);
    const third = await get(systemId);
    expect(third.interface_set).toEqual(second.interface_set);
    expect(third.blockdevice_set).toEqual(second.blockdevice_set);

    // Without them, the same document takes both out.
    await finish(await recommission(), fewer);
    const fourth = await get(systemId);
    expect(fourth.interface_set.map((i) => i.name)).toEqual(['eth0']);
    expect(fourth.interface_set[0]?.firmware_version).toBe('99.0');
    expect(fourth.blockdevice_set).toHaveLength(second.blockdevice_set.length - 1);
    expect(fourth.boot_interface?.name).toBe('eth0');
  });

  it('deletes a bond whose NICs are all gone at once', async () => {
    // Machine 9 is a storage box as machine 1 is (three NICs), with MACs of its own.
    const { document, macs } = hardware(9);
    const { systemId, key } = await commissioning('hw-bond-gone', macs[0] ?? '');
    const sent = await signal(
      region,
      key,
      { status: 'OK' },
      { '50-maas-01-commissioning.out': JSON.stringify(document) },
    );
    expect(sent.statusCode, sent.body).toBe(200);
    const first = await get(systemId);
    const [, eth1, eth2] = first.interface_set;
    const bond = await region.request('POST', `/MAAS/api/2.0/nodes/${systemId}/interfaces/?op=create_bond`, {
      key: region.adminKey,
      form: { name: 'bond0', parents: [String(eth1?.id), String(eth2?.id)] },
    });
    expect(bond.statusCode, bond.body).toBe(200);
    expect((await get(systemId)).interface_set.map((i) => i.name)).toEqual(['eth0', 'eth1', 'eth2', 'bond0']);

    const started = await region.request('POST', `${api}${systemId}/?op=commission`, {
      key: region.adminKey,
    });
    expect(started.statusCode, started.body).toBe(200);
    const onlyEth0 = structuredClone(document);
    onlyEth0.resources.network.cards.splice(1, 2);
    const again = await signal(
      region,
      await machineKey(region, systemId),
      { status: 'OK' },
      { '50-maas-01-commissioning.out': JSON.stringify(onlyEth0) },
    );
    expect(again.statusCode, again.body).toBe(200);
    expect((await get(systemId)).interface_set.map((i) => i.name)).toEqual(['eth0']);
  });
});
