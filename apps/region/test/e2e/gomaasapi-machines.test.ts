import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';
import { connectTestRack } from './support/test-rack.js';
// Juju's Go MAAS client (gomaasapi 2.0.0, Debian's packaged sources) driving Ferrum's machines
// API over TCP: Controller.Machines with filters, AllocateMachine with constraints (storage
// labels included), a no-match allocation, ReleaseMachines. The harness is
// tools/clients/gomaasapi (MODE=machines); it is never skipped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusValue } from '@ferrum/domain';
import type { MachineView } from '../../src/services/machine-store.js';
import { buildGomaasapiHarness, runGomaasapiHarness } from './support/gomaasapi-harness.js';
import type { ToolRun } from './support/real-tools.js';

/** A machine as the harness prints what gomaasapi's Machine interface returned. */
interface SeenMachine {
  system_id: string;
  osystem: string;
  distro_series: string;
  owner_data: Record<string, string>;
  hostname: string;
  fqdn: string;
  status_name: string;
  status_message: string;
  zone: string;
  pool: string | null;
  tags: string[];
  cpu_count: number;
  memory: number;
  architecture: string;
  boot_interface: string | null;
  interfaces: { id: number; name: string; mac_address: string; enabled: boolean }[];
  block_devices: { id: number; name: string; size: number; tags: string[]; path: string }[];
  physical_block_device_ids: number[];
}

interface StorageMatch {
  id: number;
  type: string;
  name?: string;
  size: number;
  tags: string[];
}

interface MachinesResult {
  ok: boolean;
  step?: string;
  error?: string;
  lists?: Record<string, SeenMachine[]>;
  allocated?: SeenMachine;
  storage_matches?: Record<string, StorageMatch[]>;
  interface_matches?: Record<string, number[]>;
  allocated_by_agent?: SeenMachine[];
  no_match?: { recognised: boolean; error: string; error_kind: string; status_code?: number };
  release_ok?: boolean;
  after_release?: SeenMachine[];
  lists_after?: Record<string, SeenMachine[]>;
}

interface Seed {
  cpuCount: number;
  memory: number;
  zone: string;
  tags: string[];
  /** Sizes in GB (10^9 bytes), with the disk's tags. */
  disks: { gb: number; tags?: string[] }[];
}

// The machines, all Ready and unowned. Each filter or constraint of the allocation below is
// there because, without it, a smaller machine would win: gm-elsewhere is in the wrong zone,
// gm-untagged lacks the tag, gm-small's SSD is too small; gm-large is sufficient but bigger.
const seeds: Record<string, Seed> = {
  'gm-tiny': { cpuCount: 2, memory: 4096, zone: 'default', tags: [], disks: [{ gb: 50 }] },
  'gm-small': {
    cpuCount: 4,
    memory: 8192,
    zone: 'rack-b',
    tags: ['compute', 'juju'],
    disks: [{ gb: 100 }, { gb: 500, tags: ['ssd'] }],
  },
  'gm-elsewhere': {
    cpuCount: 6,
    memory: 12288,
    zone: 'default',
    tags: ['compute', 'juju'],
    disks: [{ gb: 200 }, { gb: 1000, tags: ['ssd'] }],
  },
  'gm-untagged': {
    cpuCount: 6,
    memory: 12288,
    zone: 'rack-b',
    tags: [],
    disks: [{ gb: 200 }, { gb: 1000, tags: ['ssd'] }],
  },
  'gm-medium': {
    cpuCount: 8,
    memory: 16384,
    zone: 'rack-b',
    tags: ['compute', 'juju'],
    disks: [{ gb: 200 }, { gb: 1000, tags: ['ssd'] }],
  },
  'gm-large': {
    cpuCount: 32,
    memory: 131072,
    zone: 'rack-b',
    tags: ['compute', 'gpu', 'juju'],
    disks: [{ gb: 2000, tags: ['ssd'] }],
  },
};

const agentName = 'juju-e2e-controller-1';

let region: ListeningRegion;
let buildDir: string;
let binary = '';
const machines = new Map<string, MachineView>();

let mac = 0;
function nextMac(): string {
  mac++;
  return `52:54:00:aa:00:${mac.toString(16).padStart(2, '0')}`;
}

/** Gives the machine the manual tags `names` (no API does yet: MAAS's tags/?op=update_nodes). */
async function tagMachine(view: MachineView, names: readonly string[]): Promise<void> {
  const { db } = region.database;
  for (const name of names) {
    const tag =
      (await db.selectFrom('tags').select('id').where('name', '=', name).executeTakeFirst()) ??
      (await region.region.services.tags.create({ name }, 'admin'));
    await db.insertInto('machine_tags').values({ machine_id: view.machine.id, tag_id: tag.id }).execute();
  }
}

/** A Ready machine: created by the admin, commissioned with this hardware, then tagged. */
async function seedReadyMachine(hostname: string, seed: Seed): Promise<MachineView> {
  const { services } = region.region;
  const created = await services.machines.create(
    {
      hostname,
      architecture: 'amd64/generic',
      macAddresses: [nextMac()],
      powerType: 'manual',
      zone: seed.zone,
    },
    { status: 'COMMISSIONING', actor: 'admin' },
  );
  const id = created.machine.system_id;
  await services.machines.setHardware(id, {
    cpuCount: seed.cpuCount,
    memory: seed.memory,
    blockDevices: seed.disks.map((d, i) => ({
      name: `sd${String.fromCharCode(97 + i)}`,
      size: d.gb * 1e9,
      ...(d.tags ? { tags: d.tags } : {}),
    })),
  });
  await services.lifecycle.report(id, 'succeeded');
  await tagMachine(created, seed.tags);
  return services.machines.get(id);
}

function machine(hostname: string): MachineView {
  const view = machines.get(hostname);
  if (!view) throw new Error(`no seeded machine ${hostname}`);
  return view;
}

const hostnames = (list: readonly SeenMachine[] | undefined) => (list ?? []).map((m) => m.hostname).sort();

/** One MODE=machines run, by default as the normal user `alice` (as Juju's credentials usually are). */
async function runMachinesMode(
  spec: object,
  key = region.userKey,
): Promise<{ run: ToolRun; result: MachinesResult }> {
  const { run, result } = await runGomaasapiHarness(binary, region.url, {
    MODE: 'machines',
    MAAS_API_KEY: key,
    MACHINES_SPEC: JSON.stringify(spec),
  });
  return { run, result: result as unknown as MachinesResult };
}

let rack: Awaited<ReturnType<typeof connectTestRack>>;
beforeAll(async () => {
  region = await startListeningRegion();
  // Deploying needs a rack that can install the OS: one connected over the real RPC.
  rack = await connectTestRack(region, 'gm-rack');
  buildDir = await mkdtemp(join(tmpdir(), 'ferrum-e2e-gomaasapi-machines-'));
  binary = await buildGomaasapiHarness(buildDir);
  await region.region.services.zones.create({ name: 'rack-b', description: 'second rack' }, 'admin');
  for (const [hostname, seed] of Object.entries(seeds))
    machines.set(hostname, await seedReadyMachine(hostname, seed));
}, 300_000);
afterAll(async () => {
  rack.socket.close();
  await region.close();
  await rm(buildDir, { recursive: true, force: true });
});

describe('gomaasapi (Juju Go client 2.0.0) on the machines API', () => {
  // Run 1: lists, an allocation and a no-match allocation. Run 2 (after Ferrum's state is
  // checked): the release. One harness process per run, as a Juju controller would call.
  let first: { run: ToolRun; result: MachinesResult };

  beforeAll(async () => {
    first = await runMachinesMode({
      lists: [
        { name: 'all', args: {} },
        { name: 'hostnames', args: { Hostnames: ['gm-tiny', 'gm-large'] } },
        {
          name: 'system_ids',
          args: {
            SystemIDs: [machine('gm-small').machine.system_id, machine('gm-elsewhere').machine.system_id],
          },
        },
        { name: 'zone', args: { Zone: 'rack-b' } },
        { name: 'tags', args: { Tags: ['compute'] } },
        { name: 'zone_and_tags', args: { Zone: 'rack-b', Tags: ['juju', 'gpu'] } },
        { name: 'hostnames_and_zone', args: { Hostnames: ['gm-tiny', 'gm-small'], Zone: 'rack-b' } },
        { name: 'agent_before', args: { AgentName: agentName } },
        { name: 'nothing', args: { Hostnames: ['gm-missing'] } },
      ],
      allocate: {
        MinCPUCount: 4,
        MinMemory: 8192,
        Tags: ['compute'],
        Zone: 'rack-b',
        Storage: [
          { Label: 'root', Size: 100 },
          { Label: 'data', Size: 800, Tags: ['ssd'] },
        ],
        AgentName: agentName,
        Comment: 'juju e2e',
      },
      no_match: { MinCPUCount: 4, Tags: ['gpu'], Zone: 'default' },
    });
  });

  it('runs every step without a schema or transport error', () => {
    const { run, result } = first;
    expect(result, `${run.stdout}\n${run.stderr}`).toMatchObject({ ok: true });
    expect(run.code).toBe(0);
  });

  it('lists machines with Hostnames, SystemIDs, Zone, Tags and AgentName filters, exactly', () => {
    const lists = first.result.lists ?? {};
    expect(hostnames(lists['all'])).toEqual(Object.keys(seeds).sort());
    expect(hostnames(lists['hostnames'])).toEqual(['gm-large', 'gm-tiny']);
    expect(hostnames(lists['system_ids'])).toEqual(['gm-elsewhere', 'gm-small']);
    expect(hostnames(lists['zone'])).toEqual(['gm-large', 'gm-medium', 'gm-small', 'gm-untagged']);
    expect(hostnames(lists['tags'])).toEqual(['gm-elsewhere', 'gm-large', 'gm-medium', 'gm-small']);
    expect(hostnames(lists['zone_and_tags'])).toEqual(['gm-large']);
    expect(hostnames(lists['hostnames_and_zone'])).toEqual(['gm-small']);
    expect(lists['agent_before']).toEqual([]);
    expect(lists['nothing']).toEqual([]);
  });

  it('reads each machine through gomaasapi as Ferrum stores it', () => {
    const all = first.result.lists?.['all'] ?? [];
    expect(all).toHaveLength(Object.keys(seeds).length);
    for (const seen of all) {
      const seed = seeds[seen.hostname];
      const view = machine(seen.hostname);
      expect(seed, seen.hostname).toBeDefined();
      expect(seen, seen.hostname).toMatchObject({
        system_id: view.machine.system_id,
        fqdn: `${seen.hostname}.${view.domain.name}`,
        status_name: 'Ready',
        zone: seed?.zone,
        pool: 'default',
        tags: seed?.tags,
        cpu_count: seed?.cpuCount,
        memory: seed?.memory,
        architecture: 'amd64/generic',
        boot_interface: 'eth0',
      });
      expect(seen.interfaces.map((i) => [i.name, i.mac_address])).toEqual(
        view.interfaces.map((i) => [i.name, i.mac_address]),
      );
      expect(seen.block_devices.map((d) => [d.id, d.name, d.size, d.tags])).toEqual(
        (seed?.disks ?? []).map((d, i) => [
          view.blockDevices[i]?.id,
          `sd${String.fromCharCode(97 + i)}`,
          d.gb * 1e9,
          d.tags ?? [],
        ]),
      );
      expect(seen.physical_block_device_ids).toEqual(view.blockDevices.map((d) => d.id));
    }
  });

  it('allocates the smallest sufficient machine, with the storage labels matched to its disks', () => {
    const { allocated, storage_matches: storage } = first.result;
    expect(allocated?.hostname).toBe('gm-medium');
    expect(allocated?.status_name).toBe('Allocated');
    const [sda, sdb] = machine('gm-medium').blockDevices;
    expect(storage).toEqual({
      root: [
        {
          id: sda?.id,
          type: 'blockdevice',
          name: 'sda',
          path: '/dev/disk/by-dname/sda',
          size: 200e9,
          tags: [],
        },
      ],
      data: [
        {
          id: sdb?.id,
          type: 'blockdevice',
          name: 'sdb',
          path: '/dev/disk/by-dname/sdb',
          size: 1000e9,
          tags: ['ssd'],
        },
      ],
    });
    // No Interfaces constraint was given (those need spaces, which come with networks).
    expect(first.result.interface_matches ?? {}).toEqual({});
  });

  it('finds the allocated machine by its agent name', () => {
    expect(first.result.allocated_by_agent?.map((m) => [m.hostname, m.status_name])).toEqual([
      ['gm-medium', 'Allocated'],
    ]);
  });

  it('leaves the machine Allocated in Ferrum, to the user, with the agent name', async () => {
    const view = await region.region.services.machines.get(machine('gm-medium').machine.system_id);
    expect(view.ownerName).toBe('alice');
    expect(view.machine.agent_name).toBe(agentName);
    expect(view.machine.status).toBe(statusValue('ALLOCATED'));
    // Nothing else was taken.
    for (const hostname of Object.keys(seeds).filter((h) => h !== 'gm-medium'))
      expect(
        (await region.region.services.machines.get(machine(hostname).machine.system_id)).ownerName,
      ).toBeNull();
  });

  it('reports constraints nothing meets as gomaasapi’s NoMatchError (IsNoMatchError) from the 409', () => {
    expect(first.result.no_match).toMatchObject({
      recognised: true,
      error_kind: 'NoMatchError',
      status_code: 409,
    });
    expect(first.result.no_match?.error).toMatch(/^No available machine matches constraints/);
  });

  it('releases the machine with ReleaseMachines back to Ready, without owner or agent name', async () => {
    const systemId = machine('gm-medium').machine.system_id;
    const { run, result } = await runMachinesMode({
      release: { SystemIDs: [systemId], Comment: 'juju e2e release' },
    });
    expect(result, `${run.stdout}\n${run.stderr}`).toMatchObject({ ok: true, release_ok: true });
    // The release answers at once (Releasing, as MAAS does); the power worker then confirms the
    // manual driver's power-off and the machine reaches Ready.
    expect([['Releasing'], ['Ready']]).toContainEqual(result.after_release?.map((m) => m.status_name));
    const deadline = Date.now() + 15_000;
    while (
      (await region.region.services.machines.row(systemId)).status !== statusValue('READY') &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await runMachinesMode({
      lists: [
        { name: 'agent', args: { AgentName: agentName } },
        { name: 'zone', args: { Zone: 'rack-b' } },
      ],
    });
    expect(after.result, `${after.run.stdout}\n${after.run.stderr}`).toMatchObject({ ok: true });
    expect(after.result.lists?.['agent']).toEqual([]);
    expect(after.result.lists?.['zone']?.map((m) => m.status_name)).toEqual([
      'Ready',
      'Ready',
      'Ready',
      'Ready',
    ]);
    const view = await region.region.services.machines.get(systemId);
    expect(view.ownerName).toBeNull();
    expect(view.machine.agent_name).toBe('');
    expect(view.machine.status).toBe(statusValue('READY'));
  });
});

describe('gomaasapi on machines in the other states a Juju controller meets', () => {
  const modelUuid = 'deadbeef-0000-4000-8000-000000000001';

  beforeAll(async () => {
    const { services } = region.region;
    const alice = await services.users.get('alice');
    const admin = await services.users.get('admin');
    const deployed = await seedReadyMachine('gm-deployed', seeds['gm-tiny'] as Seed);
    const id = deployed.machine.system_id;
    await services.lifecycle.act(id, 'deploy', alice, { distroSeries: 'noble', agentName });
    await services.lifecycle.report(id, 'succeeded');
    await services.lifecycle.setOwnerKeys(
      id,
      'owner_data',
      { 'juju-model-uuid': modelUuid, 'juju-is-controller': 'true' },
      alice,
    );
    const broken = await seedReadyMachine('gm-broken', seeds['gm-tiny'] as Seed);
    await services.lifecycle.act(broken.machine.system_id, 'mark-broken', admin, { comment: 'fan' });
    // Never commissioned: no hardware, no disks.
    await services.machines.create(
      { hostname: 'gm-new', architecture: 'amd64/generic', macAddresses: [nextMac()] },
      { status: 'NEW', actor: null },
    );
    await services.machines.create(
      { hostname: 'gm-commissioning', architecture: 'arm64/generic', macAddresses: [nextMac()] },
      { status: 'COMMISSIONING', actor: 'admin' },
    );
    const failed = await services.machines.create(
      { hostname: 'gm-failed', architecture: 'amd64/generic', macAddresses: [nextMac()] },
      { status: 'COMMISSIONING', actor: 'admin' },
    );
    await services.lifecycle.report(failed.machine.system_id, 'failed', 'lost the disk');
  });

  it('reads Deployed, Broken, New, Commissioning and Failed machines, and filters on owner data', async () => {
    const { run, result } = await runMachinesMode(
      {
        lists: [
          {
            name: 'others',
            args: { Hostnames: ['gm-deployed', 'gm-broken', 'gm-new', 'gm-commissioning', 'gm-failed'] },
          },
          // Juju finds its machines by owner data; gomaasapi filters it client-side.
          { name: 'model', args: { OwnerData: { 'juju-model-uuid': modelUuid } } },
          { name: 'agent', args: { AgentName: agentName } },
        ],
      },
      region.adminKey,
    );
    expect(result, `${run.stdout}\n${run.stderr}`).toMatchObject({ ok: true });
    const others = result.lists?.['others'] ?? [];
    expect(others.map((m) => [m.hostname, m.status_name])).toEqual([
      ['gm-broken', 'Broken'],
      ['gm-commissioning', 'Commissioning'],
      ['gm-deployed', 'Deployed'],
      ['gm-failed', 'Failed commissioning'],
      ['gm-new', 'New'],
    ]);
    const byName = new Map(others.map((m) => [m.hostname, m]));
    expect(byName.get('gm-deployed')).toMatchObject({
      osystem: 'ubuntu',
      distro_series: 'noble',
      owner_data: { 'juju-model-uuid': modelUuid, 'juju-is-controller': 'true' },
    });
    expect(byName.get('gm-new')).toMatchObject({ cpu_count: 0, memory: 0, block_devices: [], tags: [] });
    expect(byName.get('gm-commissioning')?.architecture).toBe('arm64/generic');
    expect(hostnames(result.lists?.['model'])).toEqual(['gm-deployed']);
    expect(hostnames(result.lists?.['agent'])).toEqual(['gm-deployed']);
  });

  it('shows the normal user its own deployed machine among the free ones', async () => {
    const { run, result } = await runMachinesMode({ lists: [{ name: 'all', args: {} }] });
    expect(result, `${run.stdout}\n${run.stderr}`).toMatchObject({ ok: true });
    expect(hostnames(result.lists?.['all'])).toEqual(expect.arrayContaining(['gm-deployed', 'gm-medium']));
  });
});
