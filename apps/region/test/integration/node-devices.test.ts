import { describe, expect, it } from 'vitest';
import { simHardware } from '@ferrum/sim';
import { useTestRegion } from '../support/test-region.js';
import { api, machineKey, signal } from './metadata-fixtures.js';
import { HardwareInventory } from '../../src/services/hardware-inventory.js';

const region = useTestRegion();

interface NodeDevice {
  id: number;
  bus: number;
  bus_name: string;
  hardware_type: number;
  hardware_type_name: string;
  system_id: string;
  numa_node: number;
  physical_blockdevice: { id: number; name: string } | null;
  physical_interface: { id: number; name: string; mac_address: string } | null;
  vendor_id: string;
  product_id: string;
  vendor_name: string;
  product_name: string;
  commissioning_driver: string;
  bus_number: number;
  device_number: number;
  pci_address: string | null;
  resource_uri: string;
}

interface Doc {
  resources: {
    pci: { devices: Record<string, unknown>[] };
    usb: { devices: Record<string, unknown>[] };
    gpu: { cards: unknown[] };
  };
}

const devicesOf = (systemId: string) => `/MAAS/api/2.0/nodes/${systemId}/devices/`;

async function list(systemId: string, query = '', key = region.adminKey) {
  const response = await region.request('GET', `${devicesOf(systemId)}${query}`, { key });
  return { status: response.statusCode, body: response.body, devices: () => response.json<NodeDevice[]>() };
}

/** A machine with the simulator's hardware `index`, commissioned up to its resources document. */
async function commissioned(hostname: string, index: number) {
  const { document, macs } = simHardware(index, 13, 'node-devices');
  const created = await region.request('POST', api, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: macs[0] ?? '', power_type: 'manual', hostname },
  });
  expect(created.statusCode, created.body).toBe(200);
  const systemId = created.json<{ system_id: string }>().system_id;
  const key = await machineKey(region, systemId);
  const sent = await signal(
    region,
    key,
    { status: 'WORKING' },
    { '50-maas-01-commissioning.out': JSON.stringify(document) },
  );
  expect(sent.statusCode, sent.body).toBe(200);
  return { systemId, document: document as Doc, macs };
}

const inventory = () => new HardwareInventory({ db: region.database.db, events: region.services.events });

describe('nodes/{system_id}/devices/', () => {
  it("lists the machine's PCI and USB devices with what each is, nesting its NIC or disk", async () => {
    const { systemId, macs } = await commissioned('devices-compute', 0);
    const answer = await list(systemId);
    expect(answer.status, answer.body).toBe(200);
    const devices = answer.devices();
    const summary = devices.map((d) => [
      d.bus_name,
      d.pci_address ?? `${String(d.bus_number)}:${String(d.device_number)}`,
      d.hardware_type_name,
      d.physical_interface?.mac_address ?? d.physical_blockdevice?.name ?? null,
    ]);
    expect(summary).toEqual([
      ['PCIE', '0000:03:00.0', 'GPU', null],
      // The disk controller: the SATA disks' slot, the first of them its disk.
      ['PCIE', '0000:18:00.0', 'Storage', 'sdc'],
      ['PCIE', '0000:5e:00.0', 'Storage', 'nvme0n1'],
      ['PCIE', '0000:5f:00.0', 'Storage', 'nvme1n1'],
      ['PCIE', '0000:3b:00.0', 'Network', macs[0]],
      ['PCIE', '0000:3c:00.0', 'Network', macs[1]],
      ['USB', '1:1', 'Node', null],
      ['USB', '1:2', 'Node', null],
    ]);
    const nic = devices[4];
    expect(nic).toMatchObject({
      bus: 1,
      hardware_type: 4,
      system_id: systemId,
      numa_node: 0,
      vendor_id: '15b3',
      product_id: '1015',
      vendor_name: 'Mellanox Technologies',
      product_name: 'MT27710 Family [ConnectX-4 Lx]',
      commissioning_driver: 'mlx5_core',
      bus_number: 0x3b,
      device_number: 0,
      resource_uri: `${devicesOf(systemId)}${String(nic?.id)}/`,
    });
    expect(nic?.physical_interface).toMatchObject({ name: 'eth0', type: 'physical' });
    expect(devices[7]).toMatchObject({
      bus: 2,
      pci_address: null,
      vendor_id: '046b',
      commissioning_driver: 'usbhid',
      physical_interface: null,
      physical_blockdevice: null,
    });

    // The filters, compared as MAAS's __iexact does.
    const filtered = async (query: string) => (await list(systemId, query)).devices().map((d) => d.id);
    const ids = devices.map((d) => d.id);
    expect(await filtered('?bus=usb')).toEqual(ids.slice(6));
    expect(await filtered('?bus=PCIE&hardware_type=storage')).toEqual(ids.slice(1, 4));
    expect(await filtered('?hardware_type=network&vendor_id=15B3')).toEqual(ids.slice(4, 6));
    expect(await filtered('?commissioning_driver=USBHID')).toEqual([ids[7]]);
    expect(await filtered('?vendor_name=linux%20foundation&product_name=2.0%20ROOT%20HUB')).toEqual([ids[6]]);
    expect(await filtered('?bus=2')).toEqual(ids.slice(6));
    const badBus = await list(systemId, '?bus=isa');
    expect(badBus.status).toBe(400);
    expect(JSON.parse(badBus.body)).toEqual({ bus: ['Bus must be PCIE or USB!'] });
    expect((await list(systemId, '?hardware_type=disco')).status).toBe(400);
    // A user sees the devices of a machine they may see.
    expect((await list(systemId, '', region.userKey)).devices()).toHaveLength(8);
    expect((await list('nosuch')).status).toBe(404);
  });

  it('reads one device by id, bus:device or PCI address, and says what is wrong with a bad key', async () => {
    const { systemId } = await commissioned('devices-storage', 1);
    const devices = (await list(systemId)).devices();
    const one = async (key: string) =>
      region.request('GET', `${devicesOf(systemId)}${key}/`, { key: region.adminKey });
    const byId = await one(String(devices[0]?.id));
    expect(byId.statusCode, byId.body).toBe(200);
    expect(byId.json<NodeDevice>()).toEqual(devices[0]);
    const usbKeyboard = devices.find((d) => d.vendor_id === '046b');
    expect((await one('1:2')).json<NodeDevice>().id).toBe(usbKeyboard?.id);
    const nic = devices.find((d) => d.hardware_type_name === 'Network');
    expect((await one((nic?.pci_address ?? '').toUpperCase())).json<NodeDevice>().id).toBe(nic?.id);
    // 0000:3b:00.0 is on bus 59, device 0: the only device there.
    expect((await one('59:0')).json<NodeDevice>().pci_address).toBe('0000:3b:00.0');
    const bad = await one('slot-7');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      id: ["'slot-7' is not a device id, a bus:device pair or a PCI address (0000:3b:00.0)."],
    });
    expect((await one('999999')).statusCode).toBe(404);
    expect((await one('0000:99:00.0')).statusCode).toBe(404);
    // Another machine's device is not this one's.
    const other = await commissioned('devices-other', 2);
    const otherId = (await list(other.systemId)).devices()[0]?.id;
    expect((await one(String(otherId))).statusCode).toBe(404);
  });

  it('keeps a device id across re-commissioning; a replaced or removed device goes, a deleted one comes back', async () => {
    const { systemId, document } = await commissioned('devices-recommission', 3);
    const before = (await list(systemId)).devices();
    const usb = before.filter((d) => d.bus_name === 'USB');
    expect(usb).toHaveLength(2);

    // Only administrators delete devices.
    const tablet = usb[1];
    const asUser = await region.request('DELETE', `${devicesOf(systemId)}${String(tablet?.id)}/`, {
      key: region.userKey,
    });
    expect(asUser.statusCode).toBe(403);
    const deleted = await region.request('DELETE', `${devicesOf(systemId)}${String(tablet?.id)}/`, {
      key: region.adminKey,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await list(systemId)).devices().map((d) => d.id)).not.toContain(tablet?.id);

    // Re-commissioned: the hub replaced by another in its slot, the GPU gone, the tablet back.
    const changed = structuredClone(document);
    const hub = changed.resources.usb.devices[0] ?? {};
    Object.assign(hub, { vendor_id: '1d6b', product_id: '0003', product: '3.0 root hub' });
    changed.resources.pci.devices = changed.resources.pci.devices.filter(
      (d) => d['product'] !== 'Virtio GPU',
    );
    changed.resources.gpu.cards = [];
    await inventory().applyResources(systemId, changed);
    const after = (await list(systemId)).devices();
    const kept = before.filter((d) => d.bus_name === 'PCIE' && d.product_name !== 'Virtio GPU');
    expect(after.filter((d) => d.bus_name === 'PCIE')).toEqual(kept);
    const [newHub, newTablet] = after.filter((d) => d.bus_name === 'USB');
    expect(newHub).toMatchObject({ product_id: '0003', product_name: '3.0 root hub' });
    expect(newHub?.id).not.toBe(usb[0]?.id);
    expect(newTablet).toMatchObject({ vendor_id: tablet?.vendor_id, bus_number: 1, device_number: 2 });
    expect(newTablet?.id).not.toBe(tablet?.id);

    // The same document again changes nothing.
    await inventory().applyResources(systemId, changed);
    expect((await list(systemId)).devices()).toEqual(after);
  });
});
