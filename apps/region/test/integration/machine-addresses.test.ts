import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  allocateToAlice,
  api,
  changesAfter,
  interfaceOp,
  interfacesUri,
  interfaceUri,
  lastChange,
  machine,
  machineOp,
  newSubnet,
  nextMac,
  nodeEvents,
  readyMachine,
  taggedVlan,
  untaggedVlan,
  type InterfaceJson,
  type MachineJson,
} from './interfaces-fixtures.js';

const region = useTestRegion();

/**
 * A Ready machine whose eth0 (its boot NIC) is on fabric-0's untagged VLAN with an AUTO link
 * to `subnetId` (class 1, set up by the admin), and an eth1 on the same VLAN without links.
 */
async function autoMachine(
  hostname: string,
  subnetId: number,
): Promise<{ m: MachineJson; eth0: number; eth1: number }> {
  const m = await readyMachine(region, hostname, [nextMac(), nextMac()]);
  const vlan = await untaggedVlan(region);
  const [eth0, eth1] = m.interface_set.map((i) => i.id);
  for (const id of [eth0, eth1]) {
    const put = await region.request('PUT', interfaceUri(m.system_id, id ?? 0), {
      key: region.adminKey,
      form: { vlan: String(vlan) },
    });
    expect(put.statusCode, put.body).toBe(200);
  }
  const linked = await interfaceOp(region, m.system_id, eth0 ?? 0, 'link_subnet', {
    mode: 'auto',
    subnet: String(subnetId),
  });
  expect(linked.statusCode, linked.body).toBe(200);
  return { m, eth0: eth0 ?? 0, eth1: eth1 ?? 0 };
}

function bootLinks(m: MachineJson) {
  return m.boot_interface?.links ?? [];
}

describe('deploy', () => {
  it('claims an address for each AUTO link, shown in the links and ip_addresses, with DHCP/DNS changes', async () => {
    const subnet = await newSubnet(region, '10.110.0.0/24', await untaggedVlan(region), {
      gateway: '10.110.0.1',
    });
    const { m } = await autoMachine('deploy-claims', subnet);
    expect(bootLinks(await machine(region, m.system_id))).toMatchObject([{ mode: 'auto' }]);
    expect(bootLinks(await machine(region, m.system_id))[0]).not.toHaveProperty('ip_address');
    await allocateToAlice(region, m.system_id);
    const before = await lastChange(region);
    const deployed = await machineOp(region, m.system_id, 'deploy');
    expect(deployed.statusCode, deployed.body).toBe(200);
    const json = deployed.json<MachineJson>();
    expect(json.status_name).toBe('Deploying');
    const [link] = bootLinks(json);
    expect(link).toMatchObject({ mode: 'auto', subnet: { id: subnet } });
    expect(link?.ip_address).toMatch(/^10\.110\.0\./);
    expect(json.ip_addresses).toEqual([link?.ip_address]);
    expect(json.default_gateways.ipv4.gateway_ip).toBe('10.110.0.1');
    expect(await changesAfter(region, before)).toEqual([
      expect.objectContaining({
        kind: 'dhcp.host',
        action: 'upsert',
        ip: link?.ip_address,
        mac: json.boot_interface?.mac_address,
        hostname: 'deploy-claims',
      }),
      expect.objectContaining({
        kind: 'dns.address',
        action: 'upsert',
        ip: link?.ip_address,
        fqdn: 'deploy-claims.maas',
      }),
    ]);
    const events = await nodeEvents(region, m.system_id);
    expect(events.map((e) => e.description)).toContain(`Assigned IP ${String(link?.ip_address)} to eth0.`);
    // The status message stays the status.
    expect((await machine(region, m.system_id)).status_name).toBe('Deploying');
  });

  it('answers 503 when the subnet has no free address, and the machine stays Allocated', async () => {
    // A /30 holds two addresses; its gateway takes one.
    const subnet = await newSubnet(region, '10.111.0.0/30', await untaggedVlan(region), {
      gateway: '10.111.0.1',
    });
    const first = await autoMachine('exhaust-1', subnet);
    const second = await autoMachine('exhaust-2', subnet);
    await allocateToAlice(region, first.m.system_id);
    await allocateToAlice(region, second.m.system_id);
    expect((await machineOp(region, first.m.system_id, 'deploy')).statusCode).toBe(200);
    const refused = await machineOp(region, second.m.system_id, 'deploy');
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toBe('No more IPs available in subnet: 10.111.0.0/30.');
    const after = await machine(region, second.m.system_id);
    expect(after.status_name).toBe('Allocated');
    expect(bootLinks(after)[0]).not.toHaveProperty('ip_address');
    expect((await nodeEvents(region, second.m.system_id)).map((e) => e.type)).not.toContain('Deploying');
  });

  it('returns the address when the deployment is aborted', async () => {
    const subnet = await newSubnet(region, '10.112.0.0/24', await untaggedVlan(region));
    const { m } = await autoMachine('abort-returns', subnet);
    await allocateToAlice(region, m.system_id);
    await machineOp(region, m.system_id, 'deploy');
    const aborted = await machineOp(region, m.system_id, 'abort', region.adminKey);
    expect(aborted.statusCode, aborted.body).toBe(200);
    const after = await machine(region, m.system_id);
    expect(after.status_name).toBe('Allocated');
    expect(bootLinks(after)[0]).not.toHaveProperty('ip_address');
    expect(after.ip_addresses).toEqual([]);
  });
});

describe('release', () => {
  it("returns AUTO addresses, deletes the allocation's addresses, interfaces and child devices, keeps sticky ones", async () => {
    const vlan = await untaggedVlan(region);
    const subnet = await newSubnet(region, '10.120.0.0/24', vlan);
    const { m, eth1 } = await autoMachine('release-all', subnet);
    // Class 1, sticky: an administrator's static address on eth1, before allocation.
    const sticky = await interfaceOp(region, m.system_id, eth1, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.120.0.50',
    });
    expect(sticky.statusCode, sticky.body).toBe(200);
    await allocateToAlice(region, m.system_id);
    // Class 2: alice's VLAN interface with an address, her extra address on eth1, a container.
    const tagged = await taggedVlan(region, 120);
    const taggedSubnet = await newSubnet(region, '10.121.0.0/24', tagged);
    const vlanIf = await region.request('POST', `${interfacesUri(m.system_id)}?op=create_vlan`, {
      key: region.userKey,
      form: { vlan: String(tagged), parent: String(eth1) },
    });
    expect(vlanIf.statusCode, vlanIf.body).toBe(200);
    const vlanIfId = vlanIf.json<InterfaceJson>().id;
    expect(
      (
        await interfaceOp(
          region,
          m.system_id,
          vlanIfId,
          'link_subnet',
          { mode: 'static', subnet: String(taggedSubnet) },
          region.userKey,
        )
      ).statusCode,
    ).toBe(200);
    const extra = await interfaceOp(
      region,
      m.system_id,
      eth1,
      'link_subnet',
      { mode: 'static', subnet: String(subnet), ip_address: '10.120.0.60' },
      region.userKey,
    );
    expect(extra.statusCode, extra.body).toBe(200);
    const containerMac = nextMac();
    const container = await region.request('POST', `${api}/devices/`, {
      key: region.userKey,
      form: { hostname: 'release-all-lxd-0', mac_addresses: containerMac, parent: m.system_id },
    });
    expect(container.statusCode, container.body).toBe(200);
    const containerId = container.json<{ system_id: string }>().system_id;
    const [containerIf] = (
      await region.request('GET', interfacesUri(containerId), { key: region.userKey })
    ).json<InterfaceJson[]>();
    const containerLink = await interfaceOp(
      region,
      containerId,
      containerIf?.id ?? 0,
      'link_subnet',
      { mode: 'static', subnet: String(subnet) },
      region.userKey,
    );
    expect(containerLink.statusCode, containerLink.body).toBe(200);
    const containerIp = containerLink.json<InterfaceJson>().links[0]?.ip_address;

    const deployed = await machineOp(region, m.system_id, 'deploy');
    const autoIp = bootLinks(deployed.json<MachineJson>())[0]?.ip_address;
    await region.services.lifecycle.report(m.system_id, 'succeeded');
    const before = await lastChange(region);
    const released = await machineOp(region, m.system_id, 'release');
    expect(released.statusCode, released.body).toBe(200);

    // Manual power confirms off at once: the machine is Ready and its allocation is gone.
    const after = await machine(region, m.system_id);
    expect(after.status_name).toBe('Ready');
    expect(bootLinks(after)).toMatchObject([{ mode: 'auto', subnet: { id: subnet } }]);
    expect(bootLinks(after)[0]).not.toHaveProperty('ip_address');
    expect(after.interface_set.map((i) => i.name)).toEqual(['eth0', 'eth1']);
    expect(after.ip_addresses).toEqual(['10.120.0.50']);
    const gone = await region.request('GET', `${api}/devices/${containerId}/`, { key: region.adminKey });
    expect(gone.statusCode).toBe(404);
    const removes = (await changesAfter(region, before)).filter(
      (c) => 'action' in c && c.action === 'remove',
    );
    const removedIps = new Set(removes.map((c) => ('ip' in c ? c.ip : '')));
    // The AUTO address, alice's extra one, her VLAN interface's and the container's; not the sticky one.
    expect(removedIps.size).toBe(4);
    for (const ip of [autoIp, containerIp, '10.120.0.60']) expect(removedIps.has(ip ?? '')).toBe(true);
    expect([...removedIps].filter((ip) => ip.startsWith('10.121.0.'))).toHaveLength(1);
    expect(removedIps.has('10.120.0.50')).toBe(false);
    const events = (await nodeEvents(region, m.system_id)).map((e) => e.description);
    expect(events).toEqual(
      expect.arrayContaining([
        `Released IP ${String(autoIp)} from eth0.`,
        'Released IP 10.120.0.60 from eth1.',
        'Deleted interface eth1.120.',
        `Deleted child device ${containerId}.`,
      ]),
    );
    // No address of the machine, its interfaces or its child is left without a holder.
    const orphans = await region.database.db
      .selectFrom('ip_addresses')
      .select('id')
      .where('interface_id', 'is', null)
      .where('alloc_type', 'in', [0, 1, 5])
      .execute();
    expect(orphans).toEqual([]);
  });

  it('lets a released machine claim a fresh address on its next deployment', async () => {
    const subnet = await newSubnet(region, '10.122.0.0/24', await untaggedVlan(region));
    const { m } = await autoMachine('redeploy', subnet);
    for (let round = 0; round < 2; round++) {
      await allocateToAlice(region, m.system_id);
      const deployed = await machineOp(region, m.system_id, 'deploy');
      expect(bootLinks(deployed.json<MachineJson>())[0]?.ip_address).toMatch(/^10\.122\.0\./);
      await region.services.lifecycle.report(m.system_id, 'succeeded');
      await machineOp(region, m.system_id, 'release');
      expect((await machine(region, m.system_id)).ip_addresses).toEqual([]);
    }
  });
});

describe('delete', () => {
  it("deletes the machine's addresses with it, and their DHCP/DNS entries", async () => {
    const subnet = await newSubnet(region, '10.130.0.0/24', await untaggedVlan(region));
    const { m, eth1 } = await autoMachine('delete-addresses', subnet);
    await interfaceOp(region, m.system_id, eth1, 'link_subnet', {
      mode: 'static',
      subnet: String(subnet),
      ip_address: '10.130.0.9',
    });
    const before = await lastChange(region);
    const deleted = await region.request('DELETE', `${api}/machines/${m.system_id}/`, {
      key: region.adminKey,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const left = await region.database.db
      .selectFrom('ip_addresses')
      .select('id')
      .where('subnet_id', '=', subnet)
      .execute();
    expect(left).toEqual([]);
    expect(await changesAfter(region, before)).toEqual([
      expect.objectContaining({ kind: 'dhcp.host', action: 'remove', ip: '10.130.0.9' }),
      expect.objectContaining({
        kind: 'dns.address',
        action: 'remove',
        ip: '10.130.0.9',
        fqdn: 'delete-addresses.maas',
      }),
    ]);
  });
});

describe('concurrent link_subnet STATIC', () => {
  it('gives every interface of a full /28 a different address and the rest a 503', async () => {
    // 14 usable addresses, the gateway one of them: 13 to hand out to 20 interfaces at once.
    const subnet = await newSubnet(region, '10.140.0.0/28', await untaggedVlan(region), {
      gateway: '10.140.0.1',
    });
    const targets: { systemId: string; id: number }[] = [];
    for (let n = 0; n < 4; n++) {
      const m = await readyMachine(region, `burst-${String(n)}`, [
        nextMac(),
        nextMac(),
        nextMac(),
        nextMac(),
        nextMac(),
      ]);
      for (const iface of m.interface_set) targets.push({ systemId: m.system_id, id: iface.id });
    }
    const answers = await Promise.all(
      targets.map((t) =>
        interfaceOp(region, t.systemId, t.id, 'link_subnet', { mode: 'static', subnet: String(subnet) }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(13);
    expect(statuses.filter((s) => s === 503)).toHaveLength(7);
    for (const r of answers.filter((a) => a.statusCode === 503))
      expect(r.body).toBe('No more IPs available in subnet: 10.140.0.0/28.');
    const ips = answers
      .filter((r) => r.statusCode === 200)
      .map((r) => r.json<InterfaceJson>().links.find((l) => l.mode === 'static')?.ip_address);
    expect(new Set(ips).size).toBe(13);
    expect(ips).not.toContain('10.140.0.1');
  });
});
