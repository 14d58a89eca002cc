// Juju's Go MAAS client (gomaasapi 2.0.0, Debian's packaged sources) reading Ferrum's network
// model and placing a container as Juju's provisioner does: Spaces (each with subnets),
// Fabrics (each with VLANs), StaticRoutes, then Machine.CreateDevice on an allocated machine
// (POST devices/ with the parent, PUT of the interface's name and VLAN, link_subnet STATIC
// with an address Ferrum picks), a second NIC with Device.CreateInterface + LinkSubnet to a given address, and
// Device.Delete. The harness is tools/clients/gomaasapi (MODE=networks); it is never skipped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthHeader } from '../support/oauth.js';
import { buildGomaasapiHarness, runGomaasapiHarness } from './support/gomaasapi-harness.js';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';

interface SeenVlan {
  id: number;
  name: string;
  fabric: string;
  vid: number;
  mtu: number;
  dhcp: boolean;
}
interface SeenSubnet {
  id: number;
  name: string;
  space: string;
  cidr: string;
  gateway: string;
  dns_servers: string[];
  vlan: SeenVlan | null;
}
interface SeenLink {
  id: number;
  mode: string;
  subnet: string;
  ip_address: string;
}
interface SeenDevice {
  system_id: string;
  hostname: string;
  fqdn: string;
  parent: string;
  owner: string;
  ip_addresses: string[];
  interfaces: { id: number; name: string; mac_address: string; vlan: SeenVlan | null; links: SeenLink[] }[];
}
interface NetworksResult {
  ok: boolean;
  step?: string;
  error?: string;
  spaces: { id: number; name: string; subnets: SeenSubnet[] }[];
  fabrics: { id: number; name: string; class_type: string; vlans: SeenVlan[] }[];
  static_routes: { source: string; destination: string; gateway_ip: string; metric: number }[];
  created?: SeenDevice;
  device?: SeenDevice;
  deleted_gone?: boolean;
}

let region: ListeningRegion;
let buildDir: string;
let binary = '';

/** A real HTTP request to the listening region, signed with `key`. */
async function api(
  method: string,
  path: string,
  key: string,
  form: Record<string, string | string[]> = {},
): Promise<unknown> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  const response = await fetch(new URL(`api/2.0/${path}`, region.url), {
    method,
    headers: {
      authorization: oauthHeader(key),
      ...(method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(method === 'GET' ? {} : { body: body.toString() }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function runNetworks(spec: object): Promise<NetworksResult> {
  const { run, result } = await runGomaasapiHarness(binary, region.url, {
    MODE: 'networks',
    MAAS_API_KEY: region.userKey,
    NETWORKS_SPEC: JSON.stringify(spec),
  });
  const parsed = result as unknown as NetworksResult;
  expect(parsed.ok, `${JSON.stringify(parsed)}\n${run.stderr}`).toBe(true);
  return parsed;
}

let parentId = '';
let dataVlanId = 0;

beforeAll(async () => {
  region = await startListeningRegion();
  buildDir = await mkdtemp(join(tmpdir(), 'ferrum-e2e-gomaasapi-networks-'));
  binary = await buildGomaasapiHarness(buildDir);
  const admin = region.adminKey;
  // The network an operator would set up: a space, a second fabric with a tagged VLAN, an
  // IPv4 and an IPv6 subnet on the default VLAN, a subnet on the tagged VLAN, a dynamic range
  // and a static route.
  await api('POST', 'spaces/', admin, { name: 'public' });
  const fabric = (await api('POST', 'fabrics/', admin, { name: 'storage-fabric' })) as { id: number };
  const vlan = (await api('POST', `fabrics/${String(fabric.id)}/vlans/`, admin, {
    vid: '42',
    name: 'storage',
    mtu: '9000',
  })) as { id: number };
  dataVlanId = vlan.id;
  await api('PUT', 'vlans/5001/', admin, { space: 'public' });
  await api('POST', 'subnets/', admin, {
    cidr: '10.20.0.0/24',
    gateway_ip: '10.20.0.1',
    dns_servers: '10.20.0.250 10.20.0.251',
  });
  await api('POST', 'subnets/', admin, { cidr: '2001:db8:20::/64', gateway_ip: '2001:db8:20::1' });
  await api('POST', 'subnets/', admin, { cidr: '10.42.0.0/24', vlan: String(vlan.id) });
  await api('POST', 'ipranges/', admin, { type: 'dynamic', start_ip: '10.20.0.2', end_ip: '10.20.0.99' });
  await api('POST', 'static-routes/', admin, {
    source: '10.20.0.0/24',
    destination: '10.42.0.0/24',
    gateway_ip: '10.20.0.254',
    metric: '10',
  });
  // The parent: a machine Juju (alice) has allocated.
  const { services } = region.region;
  const created = await services.machines.create(
    {
      hostname: 'juju-host',
      architecture: 'amd64/generic',
      macAddresses: ['52:54:00:bb:00:01'],
      powerType: 'manual',
    },
    { status: 'READY', actor: 'admin' },
  );
  parentId = created.machine.system_id;
  await api('POST', 'machines/', region.userKey, { op: 'allocate', system_id: parentId });
}, 300_000);
afterAll(async () => {
  await region.close();
  await rm(buildDir, { recursive: true, force: true });
});

describe('gomaasapi on the network model', () => {
  it('parses spaces with their subnets, fabrics with their VLANs, and static routes', async () => {
    const result = await runNetworks({});
    const byName = Object.fromEntries(result.spaces.map((s) => [s.name, s]));
    // Subnets take their space from their VLAN: the default VLAN is in `public`.
    expect(byName['public']?.subnets.map((s) => s.cidr).sort()).toEqual(['10.20.0.0/24', '2001:db8:20::/64']);
    const v4 = byName['public']?.subnets.find((s) => s.cidr === '10.20.0.0/24');
    expect(v4).toMatchObject({
      name: '10.20.0.0/24',
      space: 'public',
      gateway: '10.20.0.1',
      dns_servers: ['10.20.0.250', '10.20.0.251'],
      vlan: { id: 5001, vid: 0, fabric: 'fabric-0', mtu: 1500 },
    });
    // The subnet on the tagged VLAN has no space: MAAS's pseudo-space "undefined".
    expect(byName['undefined']?.subnets.map((s) => s.cidr)).toEqual(['10.42.0.0/24']);
    expect(result.fabrics.map((f) => f.name)).toEqual(['fabric-0', 'storage-fabric']);
    expect(result.fabrics[1]?.vlans.map((v) => [v.vid, v.name, v.mtu])).toEqual([
      [0, 'untagged', 1500],
      [42, 'storage', 9000],
    ]);
    expect(result.static_routes).toEqual([
      { source: '10.20.0.0/24', destination: '10.42.0.0/24', gateway_ip: '10.20.0.254', metric: 10 },
    ]);
  });

  it('creates a container device on the machine, linked STATIC to a subnet with an address Ferrum picks', async () => {
    const result = await runNetworks({
      parent: parentId,
      device: {
        hostname: 'juju-host-lxd-0',
        interface_name: 'eth0',
        mac_address: '00:16:3e:00:00:01',
        subnet_cidr: '10.20.0.0/24',
      },
      second_nic: {
        name: 'eth1',
        mac_address: '00:16:3e:00:00:02',
        subnet_cidr: '10.42.0.0/24',
        mode: 'STATIC',
        ip_address: '10.42.0.10',
      },
    });
    const device = result.device;
    expect(device).toMatchObject({ hostname: 'juju-host-lxd-0', parent: parentId, owner: 'alice' });
    const [eth0, eth1] = device?.interfaces ?? [];
    expect(eth0).toMatchObject({ name: 'eth0', mac_address: '00:16:3e:00:00:01', vlan: { id: 5001 } });
    expect(eth0?.links).toHaveLength(1);
    const link = eth0?.links[0];
    expect(link).toMatchObject({ mode: 'static', subnet: '10.20.0.0/24' });
    // Not the network address, the gateway, nor inside the dynamic range 10.20.0.2–99: the first free is .100.
    expect(link?.ip_address).toBe('10.20.0.100');
    expect(device?.ip_addresses).toContain('10.20.0.100');
    expect(eth1).toMatchObject({ name: 'eth1', vlan: { id: dataVlanId, vid: 42 } });
    // A device's links are static (MAAS offers a device no other mode); this one names its address.
    expect(eth1?.links).toEqual([
      expect.objectContaining({ mode: 'static', subnet: '10.42.0.0/24', ip_address: '10.42.0.10' }),
    ]);

    // Ferrum's own view agrees: the address is held by the device's interface.
    const held = await region.database.db
      .selectFrom('ip_addresses')
      .innerJoin('interfaces', 'interfaces.id', 'ip_addresses.interface_id')
      .innerJoin('devices', 'devices.id', 'interfaces.device_id')
      .select(['devices.system_id', 'ip_addresses.alloc_type'])
      .where('ip_addresses.ip', '=', '10.20.0.100')
      .execute();
    expect(held).toEqual([{ system_id: device?.system_id, alloc_type: 1 }]);
  });

  it('deletes the device, and its address becomes free again', async () => {
    const result = await runNetworks({
      parent: parentId,
      device: {
        hostname: 'juju-host-lxd-1',
        interface_name: 'eth0',
        mac_address: '00:16:3e:00:00:11',
        subnet_cidr: '10.20.0.0/24',
      },
      delete: true,
    });
    expect(result.device?.interfaces[0]?.links[0]?.ip_address).toBe('10.20.0.101');
    expect(result.deleted_gone).toBe(true);
    const left = await region.database.db
      .selectFrom('ip_addresses')
      .select('ip')
      .where('ip', '=', '10.20.0.101')
      .execute();
    expect(left).toEqual([]);
  });
});
