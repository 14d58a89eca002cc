import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  changesAfter,
  interfaceOp,
  interfacesUri,
  interfaceUri,
  lastChange,
  machine,
  machineOp,
  allocateToAlice,
  newFabric,
  newSubnet,
  nextMac,
  readyMachine,
  taggedVlan,
  untaggedVlan,
  type InterfaceJson,
} from './interfaces-fixtures.js';

const region = useTestRegion();

async function createPhysical(
  systemId: string,
  form: Record<string, string | string[]>,
  key = region.adminKey,
) {
  return region.request('POST', `${interfacesUri(systemId)}?op=create_physical`, { key, form });
}

async function create(
  systemId: string,
  op: string,
  form: Record<string, string | string[]>,
  key = region.adminKey,
) {
  return region.request('POST', `${interfacesUri(systemId)}?op=${op}`, { key, form });
}

async function eth0(systemId: string): Promise<InterfaceJson> {
  const list = await region.request('GET', interfacesUri(systemId), { key: region.adminKey });
  expect(list.statusCode, list.body).toBe(200);
  const found = list.json<InterfaceJson[]>().find((i) => i.name === 'eth0');
  if (!found) throw new Error('no eth0');
  return found;
}

/** Puts the machine's eth0 on a VLAN (an admin's PUT). */
async function putOnVlan(systemId: string, id: number, vlanId: number): Promise<void> {
  const put = await region.request('PUT', interfaceUri(systemId, id), {
    key: region.adminKey,
    form: { vlan: String(vlanId) },
  });
  expect(put.statusCode, put.body).toBe(200);
}

describe('nodes/{system_id}/interfaces/', () => {
  it("lists a machine's interfaces as MAAS renders them, at the nodes/ URI", async () => {
    const mac = nextMac();
    const m = await readyMachine(region, 'list-one', [mac]);
    const response = await region.request('GET', interfacesUri(m.system_id), { key: region.userKey });
    expect(response.statusCode, response.body).toBe(200);
    const [iface] = response.json<InterfaceJson[]>();
    expect(iface).toMatchObject({
      system_id: m.system_id,
      name: 'eth0',
      type: 'physical',
      mac_address: mac,
      vlan: null,
      parents: [],
      children: [],
      links: [],
      params: '',
      discovered: null,
      effective_mtu: 1500,
      resource_uri: `/MAAS/api/2.0/nodes/${m.system_id}/interfaces/${String(iface?.id)}/`,
    });
    // The machine JSON carries the same interface.
    expect(m.interface_set[0]).toEqual(iface);
  });

  it('answers 404 as MAAS for an unknown node or interface', async () => {
    const unknown = await region.request('GET', interfacesUri('nosuch'), { key: region.adminKey });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('No Node matches the given query.');
    const m = await readyMachine(region, 'four-oh-four');
    const missing = await region.request('GET', interfaceUri(m.system_id, 999999), { key: region.adminKey });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe('No Interface matches the given query.');
  });
});

describe('create_physical', () => {
  it('creates a physical interface on a VLAN with tags, brought up LINK_UP', async () => {
    const m = await readyMachine(region, 'phys-create');
    const vlan = await untaggedVlan(region);
    const mac = nextMac();
    const response = await createPhysical(m.system_id, {
      name: 'eno2',
      mac_address: mac.toUpperCase(),
      vlan: String(vlan),
      tags: 'fast,sriov',
      mtu: '9000',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<InterfaceJson>()).toMatchObject({
      name: 'eno2',
      mac_address: mac,
      type: 'physical',
      enabled: true,
      tags: ['fast', 'sriov'],
      vlan: { id: vlan, vid: 0, name: 'untagged' },
      links: [{ mode: 'link_up' }],
      params: { mtu: 9000 },
      effective_mtu: 9000,
    });
  });

  it('names an unnamed interface ethN and requires a MAC address', async () => {
    const m = await readyMachine(region, 'phys-name');
    const named = await createPhysical(m.system_id, { mac_address: nextMac() });
    expect(named.json<InterfaceJson>().name).toBe('eth1');
    const noMac = await createPhysical(m.system_id, {});
    expect(noMac.statusCode).toBe(400);
    expect(noMac.json()).toEqual({ mac_address: ['This field is required.'] });
    const badMac = await createPhysical(m.system_id, { mac_address: 'nope' });
    expect(badMac.json()).toEqual({ mac_address: ["'nope' is not a valid MAC address."] });
    const badMtu = await createPhysical(m.system_id, { mac_address: nextMac(), mtu: '100' });
    expect(badMtu.json()).toEqual({ mtu: ['Ensure this value is greater than or equal to 552.'] });
    const dupName = await createPhysical(m.system_id, { mac_address: nextMac(), name: 'eth0' });
    expect(dupName.json()).toEqual({ name: ["Node phys-name already has an interface named 'eth0'."] });
  });

  it("refuses a MAC another node's physical interface has, naming it", async () => {
    const mac = nextMac();
    await readyMachine(region, 'mac-holder', [mac]);
    const other = await readyMachine(region, 'mac-wanter');
    const response = await createPhysical(other.system_id, { mac_address: mac });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      mac_address: ['This MAC address is already in use by eth0 on mac-holder.'],
    });
  });

  it('gives one of two concurrent creates of one MAC the interface and the other a 400, never a 500', async () => {
    const a = await readyMachine(region, 'race-a');
    const b = await readyMachine(region, 'race-b');
    const mac = nextMac();
    const answers = await Promise.all([
      createPhysical(a.system_id, { mac_address: mac }),
      createPhysical(b.system_id, { mac_address: mac }),
    ]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const refused = answers.find((r) => r.statusCode === 400);
    expect(refused?.json<{ mac_address: string[] }>().mac_address[0]).toMatch(
      /^This MAC address is already in use by eth1 on race-[ab]\.$/,
    );
  });

  it('requires an administrator on a machine, and a status that allows changes', async () => {
    const m = await readyMachine(region, 'phys-perm');
    const asAlice = await createPhysical(m.system_id, { mac_address: nextMac() }, region.userKey);
    expect(asAlice.statusCode).toBe(403);
    await allocateToAlice(region, m.system_id);
    expect((await machineOp(region, m.system_id, 'deploy')).statusCode).toBe(200);
    const deploying = await createPhysical(m.system_id, { mac_address: nextMac() });
    expect(deploying.statusCode).toBe(409);
    expect(deploying.body).toBe(
      'Cannot create interface because the machine is not New, Ready, Allocated, or Broken.',
    );
  });

  it("lets a device's owner add an interface to it", async () => {
    const device = await region.request('POST', `${api}/devices/`, {
      key: region.userKey,
      form: { hostname: 'alices-box', mac_addresses: nextMac() },
    });
    expect(device.statusCode, device.body).toBe(200);
    const systemId = device.json<{ system_id: string }>().system_id;
    const vlan = await untaggedVlan(region);
    const created = await createPhysical(
      systemId,
      { name: 'eth7', mac_address: nextMac(), vlan: String(vlan) },
      region.userKey,
    );
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json<InterfaceJson>()).toMatchObject({ system_id: systemId, name: 'eth7' });
    // Bonds, bridges and VLAN interfaces are for machines (MAAS looks a Machine up).
    const bond = await create(systemId, 'create_bond', { name: 'bond0' }, region.userKey);
    expect(bond.statusCode).toBe(404);
    expect(bond.body).toBe('No Machine matches the given query.');
  });
});

describe('create_bond, create_vlan, create_bridge', () => {
  it('answers every missing field of a bond at once', async () => {
    const m = await readyMachine(region, 'bond-empty');
    const response = await create(m.system_id, 'create_bond', {});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      mac_address: ['This field cannot be blank.'],
      name: ['This field is required.'],
      parents: ['A bond interface must have one or more parents.'],
    });
  });

  it("bonds two NICs of one VLAN with MAAS's default bond parameters", async () => {
    const macs = [nextMac(), nextMac()];
    const m = await readyMachine(region, 'bond-two', macs);
    const vlan = await untaggedVlan(region);
    const ids = m.interface_set.map((i) => i.id);
    for (const id of ids) await putOnVlan(m.system_id, id, vlan);
    const response = await create(m.system_id, 'create_bond', {
      name: 'bond0',
      parents: ids.map(String),
      bond_mode: '802.3ad',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<InterfaceJson>()).toMatchObject({
      name: 'bond0',
      type: 'bond',
      mac_address: macs[0],
      parents: ['eth0', 'eth1'],
      vlan: { id: vlan },
      params: {
        bond_mode: '802.3ad',
        bond_miimon: 100,
        bond_downdelay: 0,
        bond_updelay: 0,
        bond_num_grat_arp: 1,
        bond_lacp_rate: 'fast',
        bond_xmit_hash_policy: 'layer2',
      },
    });
    const parent = await eth0(m.system_id);
    expect(parent.children).toEqual(['bond0']);
    const again = await create(m.system_id, 'create_bond', { name: 'bond1', parents: [String(ids[0])] });
    expect(again.json()).toEqual({ parents: ['Interfaces already in-use: eth0.'] });
    const badMode = await create(m.system_id, 'create_bond', {
      name: 'bond2',
      parents: ['999999'],
      bond_mode: 'fastest',
    });
    expect(badMode.json()).toMatchObject({
      parents: ['Select a valid choice. 999999 is not one of the available choices.'],
      bond_mode: [
        "'fastest' is not a valid bond_mode.  It should be one of: 'balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'.",
      ],
    });
  });

  it('refuses a bond of NICs on different VLANs', async () => {
    const m = await readyMachine(region, 'bond-mixed', [nextMac(), nextMac()]);
    const [a, b] = m.interface_set.map((i) => i.id);
    await putOnVlan(m.system_id, a ?? 0, await untaggedVlan(region));
    const response = await create(m.system_id, 'create_bond', {
      name: 'bond0',
      parents: [String(a), String(b)],
    });
    expect(response.json()).toEqual({ parents: ['All parents must belong to the same VLAN.'] });
  });

  it("makes a VLAN interface on a tagged VLAN of its parent's fabric, named parent.vid", async () => {
    const m = await readyMachine(region, 'vlan-if');
    const parent = await eth0(m.system_id);
    const empty = await create(m.system_id, 'create_vlan', {});
    expect(empty.json()).toEqual({
      vlan: ['A VLAN interface must be connected to a tagged VLAN.'],
      parent: ['A VLAN interface must have exactly one parent.'],
    });
    await putOnVlan(m.system_id, parent.id, await untaggedVlan(region));
    const untagged = await create(m.system_id, 'create_vlan', {
      vlan: String(await untaggedVlan(region)),
      parent: String(parent.id),
    });
    expect(untagged.json()).toEqual({ vlan: ['A VLAN interface can only belong to a tagged VLAN.'] });
    const elsewhere = await newFabric(region, 'fabric-vlan-if', 300);
    const otherFabric = await create(m.system_id, 'create_vlan', {
      vlan: String(elsewhere.tagged),
      parent: String(parent.id),
    });
    expect(otherFabric.json()).toEqual({
      vlan: ['A VLAN interface can only belong to a tagged VLAN on the same fabric as its parent interface.'],
    });
    const tagged = await taggedVlan(region, 100);
    const response = await create(m.system_id, 'create_vlan', {
      vlan: String(tagged),
      parent: String(parent.id),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<InterfaceJson>()).toMatchObject({
      name: 'eth0.100',
      type: 'vlan',
      mac_address: parent.mac_address,
      parents: ['eth0'],
      vlan: { id: tagged, vid: 100 },
    });
    const twice = await create(m.system_id, 'create_vlan', {
      vlan: String(tagged),
      parent: String(parent.id),
    });
    expect(twice.json()).toEqual({ name: ["Node vlan-if already has an interface named 'eth0.100'."] });
    // Deleting the parent deletes the child it leaves without a parent (MAAS).
    const deleted = await region.request('DELETE', interfaceUri(m.system_id, parent.id), {
      key: region.adminKey,
    });
    expect(deleted.statusCode).toBe(204);
    const left = await region.request('GET', interfacesUri(m.system_id), { key: region.adminKey });
    expect(left.json<InterfaceJson[]>()).toEqual([]);
  });

  it('makes a bridge over one NIC, on its VLAN', async () => {
    const m = await readyMachine(region, 'bridge-if');
    const parent = await eth0(m.system_id);
    const empty = await create(m.system_id, 'create_bridge', {});
    expect(empty.json()).toEqual({
      name: ['This field is required.'],
      parent: ['A bridge interface must have exactly one parent.'],
      mac_address: ['This field cannot be blank.'],
    });
    const vlan = await untaggedVlan(region);
    await putOnVlan(m.system_id, parent.id, vlan);
    const response = await create(m.system_id, 'create_bridge', { name: 'br0', parent: String(parent.id) });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<InterfaceJson>()).toMatchObject({
      name: 'br0',
      type: 'bridge',
      parents: ['eth0'],
      vlan: { id: vlan },
      params: { bridge_type: 'standard', bridge_stp: false, bridge_fd: 15 },
    });
  });
});

describe('PUT and DELETE', () => {
  it('updates name, VLAN and speeds; a deployed machine only its name and MAC', async () => {
    const m = await readyMachine(region, 'put-if');
    const iface = await eth0(m.system_id);
    const vlan = await untaggedVlan(region);
    const put = await region.request('PUT', interfaceUri(m.system_id, iface.id), {
      key: region.adminKey,
      form: { name: 'eno1', vlan: String(vlan), link_speed: '1000', interface_speed: '10000' },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      name: 'eno1',
      vlan: { id: vlan },
      link_speed: 1000,
      interface_speed: 10000,
    });
    const asAlice = await region.request('PUT', interfaceUri(m.system_id, iface.id), {
      key: region.userKey,
      form: { name: 'x' },
    });
    expect(asAlice.statusCode).toBe(403);
    await allocateToAlice(region, m.system_id);
    await machineOp(region, m.system_id, 'deploy');
    await region.services.lifecycle.report(m.system_id, 'succeeded');
    const deployed = await region.request('PUT', interfaceUri(m.system_id, iface.id), {
      key: region.adminKey,
      form: { name: 'eno9', vlan: '' },
    });
    expect(deployed.statusCode, deployed.body).toBe(200);
    // The VLAN is not a deployed machine's to change.
    expect(deployed.json()).toMatchObject({ name: 'eno9', vlan: { id: vlan } });
    const del = await region.request('DELETE', interfaceUri(m.system_id, iface.id), { key: region.adminKey });
    expect(del.statusCode).toBe(409);
  });

  it('adds and removes tags (administrators only)', async () => {
    const m = await readyMachine(region, 'tag-if');
    const iface = await eth0(m.system_id);
    const added = await interfaceOp(region, m.system_id, iface.id, 'add_tag', { tag: 'uplink' });
    expect(added.json<InterfaceJson>().tags).toEqual(['uplink']);
    const removed = await interfaceOp(region, m.system_id, iface.id, 'remove_tag', { tag: 'uplink' });
    expect(removed.json<InterfaceJson>().tags).toEqual([]);
    const none = await interfaceOp(region, m.system_id, iface.id, 'add_tag');
    expect(none.json()).toEqual({ tag: ['This field is required.'] });
    const asAlice = await interfaceOp(region, m.system_id, iface.id, 'add_tag', { tag: 'x' }, region.userKey);
    expect(asAlice.statusCode).toBe(403);
  });
});

describe('link_subnet', () => {
  it('checks the mode and the subnet as MAAS does', async () => {
    const m = await readyMachine(region, 'link-checks');
    const iface = await eth0(m.system_id);
    const missing = await interfaceOp(region, m.system_id, iface.id, 'link_subnet');
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ mode: ['This field is required.'] });
    const bogus = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', { mode: 'Bogus' });
    expect(bogus.json()).toEqual({
      mode: ["'bogus' is not a valid mode.  It should be one of: 'auto', 'dhcp', 'static', 'link_up'."],
    });
    const auto = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', { mode: 'AUTO' });
    expect(auto.json()).toEqual({ subnet: ['This field is required.'] });
    const unknownSubnet = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'STATIC',
      subnet: '999999',
    });
    expect(unknownSubnet.json()).toEqual({
      subnet: ['Select a valid choice. That choice is not one of the available choices.'],
    });
  });

  it("puts an interface without a VLAN on the subnet's, and refuses another VLAN's subnet unless forced", async () => {
    const m = await readyMachine(region, 'link-vlan');
    const iface = await eth0(m.system_id);
    const home = await untaggedVlan(region);
    const subnet = await newSubnet(region, '10.20.0.0/24', home);
    const linked = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'link_up',
      subnet: String(subnet),
    });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json<InterfaceJson>()).toMatchObject({
      vlan: { id: home },
      links: [{ mode: 'link_up', subnet: { id: subnet } }],
    });
    const away = await newFabric(region, 'fabric-link-vlan');
    const other = await newSubnet(region, '10.21.0.0/24', away.untagged);
    const refused = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'link_up',
      subnet: String(other),
    });
    expect(refused.json()).toEqual({
      subnet: ['Select a valid choice. That choice is not one of the available choices.'],
    });
    const forced = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'link_up',
      subnet: String(other),
      force: 'True',
    });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json<InterfaceJson>()).toMatchObject({
      vlan: { id: away.untagged },
      links: [{ mode: 'link_up', subnet: { id: other } }],
    });
    expect(forced.json<InterfaceJson>().links).toHaveLength(1);
  });

  it('links STATIC with a picked or given address, in the subnet and outside its dynamic range', async () => {
    const m = await readyMachine(region, 'link-static');
    const iface = await eth0(m.system_id);
    const vlan = await untaggedVlan(region);
    const subnet = await newSubnet(region, '10.30.0.0/24', vlan, {
      gateway: '10.30.0.1',
      dynamic: ['10.30.0.100', '10.30.0.199'],
    });
    const outside = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.31.0.5',
    });
    expect(outside.json()).toEqual({
      ip_address: ["IP address is not in the given subnet '10.30.0.0/24:10.30.0.0/24(vid=0)'."],
    });
    const dynamic = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.30.0.150',
    });
    expect(dynamic.json()).toEqual({
      ip_address: ['IP address is inside a dynamic range 10.30.0.100 to 10.30.0.199.'],
    });
    const before = await lastChange(region);
    const given = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.30.0.10',
      default_gateway: 'true',
    });
    expect(given.statusCode, given.body).toBe(200);
    const link = given.json<InterfaceJson>().links.find((l) => l.ip_address === '10.30.0.10');
    expect(link).toMatchObject({
      mode: 'static',
      subnet: { id: subnet, cidr: '10.30.0.0/24', space: 'undefined' },
    });
    expect(await changesAfter(region, before)).toEqual([
      expect.objectContaining({
        kind: 'dhcp.host',
        action: 'upsert',
        ip: '10.30.0.10',
        mac: iface.mac_address,
        hostname: 'link-static',
      }),
      expect.objectContaining({
        kind: 'dns.address',
        action: 'upsert',
        ip: '10.30.0.10',
        fqdn: 'link-static.maas',
      }),
    ]);
    const picked = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
    });
    expect(picked.statusCode, picked.body).toBe(200);
    const addresses = picked.json<InterfaceJson>().links.map((l) => l.ip_address);
    expect(addresses).toHaveLength(2);
    expect(new Set(addresses).size).toBe(2);
    const taken = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.30.0.10',
    });
    expect(taken.statusCode).toBe(404);
    expect(taken.body).toBe('The IP address 10.30.0.10 is already in use.');
    const after = await machine(region, m.system_id);
    expect(after.ip_addresses).toEqual(expect.arrayContaining(['10.30.0.10']));
    expect(after.default_gateways.ipv4).toEqual({ gateway_ip: '10.30.0.1', link_id: link?.id });
  });

  it('allows one DHCP link, and LINK_UP over other links only with force', async () => {
    const m = await readyMachine(region, 'link-dhcp');
    const iface = await eth0(m.system_id);
    const vlan = await untaggedVlan(region);
    const subnet = await newSubnet(region, '10.40.0.0/24', vlan);
    const dhcp = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', { mode: 'dhcp' });
    expect(dhcp.json<InterfaceJson>().links).toMatchObject([{ mode: 'dhcp' }]);
    const again = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'dhcp',
      subnet: String(subnet),
    });
    expect(again.json()).toEqual({ mode: ['Interface is already set to DHCP.'] });
    const gateway = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'link_up',
      default_gateway: 'true',
    });
    expect(gateway.json()).toEqual({
      mode: [
        'Cannot configure interface to link up (with no IP address) while other links are already configured. Specify force=True to override this behavior and delete all links.',
      ],
      default_gateway: ["Cannot use in mode 'link_up'."],
    });
    const forced = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'link_up',
      force: 'true',
    });
    expect(forced.json<InterfaceJson>().links).toMatchObject([{ mode: 'link_up' }]);
  });

  it("gives a device's interface static addresses only", async () => {
    const device = await region.request('POST', `${api}/devices/`, {
      key: region.userKey,
      form: { hostname: 'container-1', mac_addresses: nextMac() },
    });
    const systemId = device.json<{ system_id: string }>().system_id;
    const [iface] = (await region.request('GET', interfacesUri(systemId), { key: region.userKey })).json<
      InterfaceJson[]
    >();
    const subnet = await newSubnet(region, '10.50.0.0/24', await untaggedVlan(region));
    const auto = await interfaceOp(
      region,
      systemId,
      iface?.id ?? 0,
      'link_subnet',
      { mode: 'auto', subnet: String(subnet) },
      region.userKey,
    );
    expect(auto.json()).toEqual({ mode: ["'auto' is not a valid mode.  It should be one of: 'static'."] });
    const linked = await interfaceOp(
      region,
      systemId,
      iface?.id ?? 0,
      'link_subnet',
      { mode: 'static', subnet: String(subnet) },
      region.userKey,
    );
    expect(linked.statusCode, linked.body).toBe(200);
    const [link] = linked.json<InterfaceJson>().links;
    expect(link?.mode).toBe('static');
    expect(link?.ip_address).toMatch(/^10\.50\.0\./);
  });
});

describe('unlink_subnet, set_default_gateway, disconnect', () => {
  it('unlinks a link by id, brings the interface back up LINK_UP and drops its DHCP/DNS entries', async () => {
    const m = await readyMachine(region, 'unlink');
    const iface = await eth0(m.system_id);
    const subnet = await newSubnet(region, '10.60.0.0/24', await untaggedVlan(region));
    const linked = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
    });
    const link = linked.json<InterfaceJson>().links[0];
    const missing = await interfaceOp(region, m.system_id, iface.id, 'unlink_subnet');
    expect(missing.json()).toEqual({ id: ['This field is required.'] });
    const wrong = await interfaceOp(region, m.system_id, iface.id, 'unlink_subnet', { id: '999999' });
    expect(wrong.json()).toEqual({
      id: [`'999999' is not a valid id.  It should be one of: '${String(link?.id)}'.`],
    });
    const before = await lastChange(region);
    const unlinked = await interfaceOp(region, m.system_id, iface.id, 'unlink_subnet', {
      id: String(link?.id),
    });
    expect(unlinked.statusCode, unlinked.body).toBe(200);
    expect(unlinked.json<InterfaceJson>().links).toMatchObject([{ mode: 'link_up' }]);
    expect(await changesAfter(region, before)).toEqual([
      expect.objectContaining({ kind: 'dhcp.host', action: 'remove', ip: link?.ip_address }),
      expect.objectContaining({ kind: 'dns.address', action: 'remove', ip: link?.ip_address }),
    ]);
  });

  it('sets the default gateway through a link, and refuses an interface without one', async () => {
    const m = await readyMachine(region, 'gateway');
    const iface = await eth0(m.system_id);
    const none = await interfaceOp(region, m.system_id, iface.id, 'set_default_gateway');
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({ __all__: ['This interface has no usable gateways.'] });
    const subnet = await newSubnet(region, '10.70.0.0/24', await untaggedVlan(region), {
      gateway: '10.70.0.254',
    });
    const linked = await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'auto',
      subnet: String(subnet),
    });
    const link = linked.json<InterfaceJson>().links[0];
    const set = await interfaceOp(region, m.system_id, iface.id, 'set_default_gateway', {
      link_id: String(link?.id),
    });
    expect(set.statusCode, set.body).toBe(200);
    expect((await machine(region, m.system_id)).default_gateways.ipv4).toEqual({
      gateway_ip: '10.70.0.254',
      link_id: link?.id,
    });
  });

  it('disconnects an interface: links gone, off its VLAN', async () => {
    const m = await readyMachine(region, 'disconnect');
    const iface = await eth0(m.system_id);
    const subnet = await newSubnet(region, '10.80.0.0/24', await untaggedVlan(region));
    await interfaceOp(region, m.system_id, iface.id, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
    });
    const response = await interfaceOp(region, m.system_id, iface.id, 'disconnect');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<InterfaceJson>()).toMatchObject({ vlan: null, links: [] });
    expect((await machine(region, m.system_id)).ip_addresses).toEqual([]);
  });
});

describe("an allocated machine's owner", () => {
  it('may link subnets and add VLAN interfaces while it is allocated, and not before', async () => {
    const m = await readyMachine(region, 'owner-links');
    const iface = await eth0(m.system_id);
    const vlan = await untaggedVlan(region);
    await putOnVlan(m.system_id, iface.id, vlan);
    const subnet = await newSubnet(region, '10.90.0.0/24', vlan);
    const early = await interfaceOp(
      region,
      m.system_id,
      iface.id,
      'link_subnet',
      { mode: 'static', subnet: String(subnet) },
      region.userKey,
    );
    expect(early.statusCode).toBe(403);
    await allocateToAlice(region, m.system_id);
    const linked = await interfaceOp(
      region,
      m.system_id,
      iface.id,
      'link_subnet',
      { mode: 'static', subnet: String(subnet) },
      region.userKey,
    );
    expect(linked.statusCode, linked.body).toBe(200);
    const row = await region.database.db
      .selectFrom('ip_addresses')
      .select(['for_allocation'])
      .where('interface_id', '=', iface.id)
      .where('ip', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(row.for_allocation).toBe(true);
    const tagged = await taggedVlan(region, 210);
    const vlanIf = await create(
      m.system_id,
      'create_vlan',
      { vlan: String(tagged), parent: String(iface.id) },
      region.userKey,
    );
    expect(vlanIf.statusCode, vlanIf.body).toBe(200);
    // Only what an administrator may do stays an administrator's.
    const bond = await create(
      m.system_id,
      'create_bond',
      { name: 'bond0', parents: [String(iface.id)] },
      region.userKey,
    );
    expect(bond.statusCode).toBe(403);
  });
});
