import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { formatApiKey } from '../../src/services/token-service.js';

const region = useTestRegion();
const machines = '/MAAS/api/2.0/machines/';

interface Machine {
  system_id: string;
  hostname: string;
  status: number;
  status_name: string;
  status_message: string;
  owner: string | null;
  agent_name?: string;
  cpu_count: number;
  memory: number;
  locked: boolean;
  owner_data: Record<string, string>;
  hardware_info: Record<string, string>;
  interface_set: { mac_address: string; name: string }[];
  blockdevice_set: { id: number; size: number }[];
  constraints_by_type?: { storage?: Record<string, number[]> };
  tag_names: string[];
  zone: { name: string };
  resource_uri: string;
}

let macCounter = 0;
function nextMac(): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(6, '0');
  return `52:54:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

async function createMachine(form: Record<string, string | string[]> = {}): Promise<Machine> {
  const response = await region.request('POST', machines, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: nextMac(), power_type: 'manual', ...form },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Machine>();
}

/** A Ready machine: created by the admin, commissioning reported finished with this hardware. */
async function readyMachine(
  hostname: string,
  hardware: { cpuCount?: number; memory?: number; disks?: { size: number; tags?: string[] }[] } = {},
): Promise<Machine> {
  const created = await createMachine({ hostname });
  await region.services.machines.setHardware(created.system_id, {
    cpuCount: hardware.cpuCount ?? 4,
    memory: hardware.memory ?? 8192,
    blockDevices: (hardware.disks ?? [{ size: 100e9 }]).map((d, i) => ({
      name: `sd${String.fromCharCode(97 + i)}`,
      size: d.size,
      ...(d.tags ? { tags: d.tags } : {}),
    })),
  });
  await region.services.lifecycle.report(created.system_id, 'succeeded');
  return get(created.system_id);
}

async function get(systemId: string, key = region.adminKey): Promise<Machine> {
  const response = await region.request('GET', `${machines}${systemId}/`, { key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Machine>();
}

function op(systemId: string, name: string, key = region.adminKey, form: Record<string, string> = {}) {
  return region.request('POST', `${machines}${systemId}/?op=${name}`, { key, form });
}

async function newUser(username: string): Promise<string> {
  const user = await region.services.users.create({
    username,
    email: `${username}@example.com`,
    password: `${username}-pass`,
    isSuperuser: false,
  });
  return formatApiKey(await region.services.tokens.create(user.id, 'test'));
}

describe('machines/ create and enlist', () => {
  it('creates a machine as admin, in Commissioning, with every field gomaasapi requires', async () => {
    const machine = await createMachine({ hostname: 'first', description: 'rack 1' });
    expect(machine.status_name).toBe('Commissioning');
    expect(machine.status).toBe(1);
    for (const field of [
      'resource_uri',
      'system_id',
      'hostname',
      'fqdn',
      'tag_names',
      'owner_data',
      'osystem',
      'distro_series',
      'architecture',
      'memory',
      'cpu_count',
      'hardware_info',
      'ip_addresses',
      'power_state',
      'status_name',
      'status_message',
      'boot_interface',
      'interface_set',
      'zone',
      'pool',
      'physicalblockdevice_set',
      'blockdevice_set',
    ])
      expect(machine).toHaveProperty(field);
    expect(machine.hardware_info['system_vendor']).toBe('Unknown');
    expect(machine.interface_set.map((i) => i.name)).toEqual(['eth0']);
    expect(machine.resource_uri).toBe(`${machines}${machine.system_id}/`);
    expect(machine.system_id).toMatch(/^[a-z0-9]{6}$/);
  });

  it('enlists anonymously in New with a generated hostname, then accept starts commissioning', async () => {
    const response = await region.request('POST', machines, {
      form: { architecture: 'amd64/generic', mac_addresses: nextMac() },
    });
    expect(response.statusCode, response.body).toBe(200);
    const enlisted = response.json<Machine>();
    expect(enlisted.status_name).toBe('New');
    expect(enlisted.hostname).toMatch(/^[a-z]+-[a-z]+$/);
    expect(enlisted).not.toHaveProperty('owner_data');
    const accepted = await region.request('POST', `${machines}?op=accept`, {
      key: region.adminKey,
      form: { machines: enlisted.system_id },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json<Machine[]>().map((m) => m.status_name)).toEqual(['Commissioning']);
  });

  it('refuses a MAC address that another machine has, naming the field', async () => {
    const mac = nextMac();
    await createMachine({ mac_addresses: mac });
    // An administrator's create; an anonymous enlistment is answered with the known machine
    // instead (enlistment.test.ts).
    const again = await region.request('POST', machines, {
      key: region.adminKey,
      form: { architecture: 'amd64', mac_addresses: mac },
    });
    expect(again.statusCode).toBe(400);
    expect(Object.keys(again.json<Record<string, string[]>>())).toEqual(['mac_addresses']);
  });

  it('refuses missing architecture and MACs, and a bad hostname, all at once', async () => {
    const response = await region.request('POST', machines, {
      key: region.adminKey,
      form: { hostname: '-bad-' },
    });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<Record<string, string[]>>()).sort()).toEqual([
      'architecture',
      'hostname',
      'mac_addresses',
    ]);
  });

  it('answers is_registered for a known and an unknown MAC', async () => {
    const mac = nextMac();
    await createMachine({ mac_addresses: mac });
    const known = await region.request('GET', `${machines}?op=is_registered&mac_address=${mac}`);
    expect(known.json()).toBe(true);
    const unknown = await region.request('GET', `${machines}?op=is_registered&mac_address=02:00:00:00:00:99`);
    expect(unknown.json()).toBe(false);
  });

  it('keeps secret power parameters encrypted at rest and shows them to admins only', async () => {
    const machine = await createMachine({
      power_type: 'ipmi',
      power_parameters_power_address: '10.0.0.9',
      power_parameters_power_pass: 's3cret-pw',
    });
    const row = await sql<{ power_secrets: string; power_parameters: unknown }>`
      SELECT power_secrets, power_parameters FROM machines WHERE system_id = ${machine.system_id}`.execute(
      region.database.db,
    );
    expect(JSON.stringify(row.rows[0])).not.toContain('s3cret-pw');
    const asAdmin = await region.request('GET', `${machines}${machine.system_id}/?op=power_parameters`, {
      key: region.adminKey,
    });
    expect(asAdmin.json()).toMatchObject({ power_address: '10.0.0.9', power_pass: 's3cret-pw' });
    const asUser = await region.request('GET', `${machines}${machine.system_id}/?op=power_parameters`, {
      key: region.userKey,
    });
    expect(asUser.statusCode).toBe(403);
  });
});

describe('machines/ power parameters', () => {
  const post = (form: Record<string, string>) =>
    region.request('POST', machines, {
      key: region.adminKey,
      form: { architecture: 'amd64', mac_addresses: nextMac(), commission: 'false', ...form },
    });

  it('refuses an unknown power type, listing the known ones', async () => {
    const answer = await post({ power_type: 'telepathy' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      power_type: [expect.stringMatching(/"telepathy" is not one of the available choices: .*ipmi.*redfish/)],
    });
  });

  it('names every bad parameter of the power type at once', async () => {
    const answer = await post({
      power_type: 'ipmi',
      power_parameters_power_driver: 'SERIAL',
      power_parameters_power_port: '623',
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      power_parameters_power_address: ['This field is required.'],
      power_parameters_power_driver: [
        'Select a valid choice. "SERIAL" is not one of the available choices: LAN, LAN_2_0.',
      ],
      power_parameters_power_port: ["Unknown parameter for power type 'ipmi'."],
    });
  });

  it('fills in the defaults of the power type', async () => {
    const created = await post({ power_type: 'ipmi', power_parameters_power_address: '10.0.0.7' });
    expect(created.statusCode, created.body).toBe(200);
    const id = created.json<{ system_id: string }>().system_id;
    const params = await region.request('GET', `${machines}${id}/?op=power_parameters`, {
      key: region.adminKey,
    });
    expect(params.json()).toMatchObject({
      power_address: '10.0.0.7',
      power_driver: 'LAN_2_0',
      cipher_suite_id: '3',
      privilege_level: 'OPERATOR',
    });
  });

  it('stores unchecked parameters with power_parameters_skip_check, secrets still sealed', async () => {
    const created = await post({
      power_type: 'ipmi',
      power_parameters_skip_check: 'true',
      power_parameters_custom_thing: 'x',
      power_parameters_power_pass: 'pw-unchecked',
    });
    expect(created.statusCode, created.body).toBe(200);
    const id = created.json<{ system_id: string }>().system_id;
    const row = await sql<{ power_parameters: unknown }>`
      SELECT power_parameters FROM machines WHERE system_id = ${id}`.execute(region.database.db);
    expect(row.rows[0]?.power_parameters).toEqual({ custom_thing: 'x' });
  });

  it('checks parameters merged with those stored on update', async () => {
    const created = await post({ power_type: 'ipmi', power_parameters_power_address: '10.0.0.8' });
    const id = created.json<{ system_id: string }>().system_id;
    const bad = await region.request('PUT', `${machines}${id}/`, {
      key: region.adminKey,
      form: { power_parameters_privilege_level: 'ROOT' },
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json<object>())).toEqual(['power_parameters_privilege_level']);
    const good = await region.request('PUT', `${machines}${id}/`, {
      key: region.adminKey,
      form: { power_parameters_privilege_level: 'ADMIN' },
    });
    expect(good.statusCode, good.body).toBe(200);
    const params = await region.request('GET', `${machines}${id}/?op=power_parameters`, {
      key: region.adminKey,
    });
    expect(params.json()).toMatchObject({ power_address: '10.0.0.8', privilege_level: 'ADMIN' });
  });
});

describe('machines/ lifecycle', () => {
  it('goes Ready → Allocated → Deploying → Deployed → Releasing → Ready, with events', async () => {
    const machine = await readyMachine('life');
    expect(machine.status_name).toBe('Ready');
    const allocated = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { name: 'life', agent_name: 'juju-1' },
    });
    expect(allocated.statusCode, allocated.body).toBe(200);
    expect(allocated.json<Machine>()).toMatchObject({ status_name: 'Allocated', owner: 'alice' });
    const deploying = await op(machine.system_id, 'deploy', region.userKey, { distro_series: 'noble' });
    expect(deploying.json<Machine>()).toMatchObject({ status_name: 'Deploying', distro_series: 'noble' });
    await region.services.lifecycle.report(machine.system_id, 'succeeded');
    expect((await get(machine.system_id)).status_name).toBe('Deployed');
    const released = await op(machine.system_id, 'release', region.userKey);
    expect(released.statusCode, released.body).toBe(200);
    // Manual power: off is confirmed at once, so releasing completes.
    const after = await get(machine.system_id);
    expect(after).toMatchObject({ status_name: 'Ready', owner: null, status_message: 'Ready' });
    const events = await region.request(
      'GET',
      `/MAAS/api/2.0/events/?op=query&id=${machine.system_id}&limit=20`,
      {
        key: region.adminKey,
      },
    );
    const types = events
      .json<{ events: { type: string }[] }>()
      .events.map((e) => e.type)
      .reverse();
    expect(types).toEqual(
      expect.arrayContaining(['Created', 'Ready', 'Allocated', 'Deploying', 'Deployed', 'Releasing']),
    );
  });

  it('answers an action from a wrong status with 409 and MAAS-shaped text', async () => {
    const machine = await readyMachine('wrong-status');
    const response = await op(machine.system_id, 'exit_rescue_mode');
    expect(response.statusCode).toBe(409);
    expect(response.body).toBe('Cannot exit rescue mode machine wrong-status because it is Ready.');
  });

  it('deploys straight from Ready, allocating first', async () => {
    const machine = await readyMachine('direct-deploy');
    const response = await op(machine.system_id, 'deploy', region.userKey);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<Machine>()).toMatchObject({ status_name: 'Deploying', owner: 'alice' });
  });

  it('locks a deployed machine against release, and unlocks it', async () => {
    const machine = await readyMachine('locked-one');
    await op(machine.system_id, 'deploy', region.userKey);
    await region.services.lifecycle.report(machine.system_id, 'succeeded');
    expect((await op(machine.system_id, 'lock', region.userKey)).json<Machine>().locked).toBe(true);
    expect((await op(machine.system_id, 'release', region.userKey)).statusCode).toBe(409);
    await op(machine.system_id, 'unlock', region.userKey);
    expect((await op(machine.system_id, 'release', region.userKey)).statusCode).toBe(200);
  });

  it('marks broken and fixed, and aborts commissioning back to New', async () => {
    const machine = await readyMachine('broken-one');
    expect(
      (await op(machine.system_id, 'mark_broken', region.adminKey, { comment: 'fan' })).json<Machine>()
        .status_name,
    ).toBe('Broken');
    expect((await op(machine.system_id, 'mark_fixed')).json<Machine>().status_name).toBe('Ready');
    const enlisted = await createMachine({ commission: 'false' });
    expect(enlisted.status_name).toBe('New');
    await op(enlisted.system_id, 'commission');
    expect((await op(enlisted.system_id, 'abort')).json<Machine>().status_name).toBe('New');
  });

  it('goes into rescue mode and back to the status it came from', async () => {
    const machine = await readyMachine('rescued');
    expect((await op(machine.system_id, 'rescue_mode')).json<Machine>().status_name).toBe(
      'Entering rescue mode',
    );
    await region.services.lifecycle.report(machine.system_id, 'succeeded');
    expect((await get(machine.system_id)).status_name).toBe('Rescue mode');
    // Exiting powers off; the manual driver confirms at once, and the machine is Ready again.
    const exited = await op(machine.system_id, 'exit_rescue_mode');
    expect(exited.statusCode, exited.body).toBe(200);
    expect((await get(machine.system_id)).status_name).toBe('Ready');
  });

  it('deploys the configured default release when none is asked for', async () => {
    const machine = await readyMachine('defaults');
    const deployed = await op(machine.system_id, 'deploy', region.userKey);
    expect(deployed.json<Machine>()).toMatchObject({ osystem: 'ubuntu', distro_series: 'noble' });
  });

  it('fails a machine that overstays commissioning, with an event', async () => {
    const machine = await createMachine({ hostname: 'slowpoke' });
    const deadline = await sql<{ expires: Date | null }>`
      SELECT status_expires AS expires FROM machines WHERE system_id = ${machine.system_id}`.execute(
      region.database.db,
    );
    // Created straight into Commissioning, it has node_timeout (30 min) to finish.
    const minutes = ((deadline.rows[0]?.expires?.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    await sql`UPDATE machines SET status_expires = now() - interval '1 minute' WHERE system_id = ${machine.system_id}`.execute(
      region.database.db,
    );
    expect(await region.services.lifecycle.failOverdue()).toEqual([machine.system_id]);
    const after = await get(machine.system_id);
    expect(after.status_name).toBe('Failed commissioning');
    expect(after.status_message).toBe('Failed commissioning');
  });

  it('sets owner data and workload annotations, an empty value removing a key', async () => {
    const machine = await readyMachine('annotated');
    await op(machine.system_id, 'deploy', region.userKey);
    await op(machine.system_id, 'set_owner_data', region.userKey, { owner: 'juju', model: 'm1' });
    const after = await op(machine.system_id, 'set_owner_data', region.userKey, { model: '' });
    expect(after.json<Machine>().owner_data).toEqual({ owner: 'juju' });
  });
});

describe('machines/?op=allocate', () => {
  it('chooses the smallest sufficient machine and reports storage constraints by type', async () => {
    await readyMachine('alloc-big', {
      cpuCount: 64,
      memory: 262144,
      disks: [{ size: 2000e9, tags: ['ssd'] }],
    });
    const small = await readyMachine('alloc-small', {
      cpuCount: 8,
      memory: 16384,
      disks: [{ size: 200e9 }, { size: 500e9, tags: ['ssd'] }],
    });
    const response = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { cpu_count: '8', mem: '16000', storage: 'root:100,data:400(ssd)', zone: 'default' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const allocated = response.json<Machine>();
    expect(allocated.hostname).toBe('alloc-small');
    const disks = small.blockdevice_set.map((d) => d.id);
    expect(allocated.constraints_by_type).toEqual({ storage: { root: [disks[0]], data: [disks[1]] } });
  });

  it('answers 409 when nothing matches, and 400 naming a malformed parameter', async () => {
    const none = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { cpu_count: '9999' },
    });
    expect(none.statusCode).toBe(409);
    expect(none.body).toMatch(/^No available machine matches constraints/);
    const bad = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { mem: 'lots', storage: 'root:?' },
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json<Record<string, unknown>>()).sort()).toEqual(['mem', 'storage']);
  });

  it('dry_run finds a machine without taking it', async () => {
    const machine = await readyMachine('dry-one', { cpuCount: 3 });
    const response = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { system_id: machine.system_id, dry_run: 'true' },
    });
    expect(response.json<Machine>().system_id).toBe(machine.system_id);
    expect((await get(machine.system_id)).status_name).toBe('Ready');
  });

  it('refuses network constraints it cannot honour with 400, taking nothing', async () => {
    const machine = await readyMachine('net-one');
    const response = await region.request('POST', `${machines}?op=allocate`, {
      key: region.userKey,
      form: { system_id: machine.system_id, not_subnets: 'space:dmz', interfaces: 'eth0:space=public' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      not_subnets: ['Allocating by not_subnets needs networks, which this region does not model yet.'],
      interfaces: ['Allocating by interfaces needs networks, which this region does not model yet.'],
    });
    expect((await get(machine.system_id)).status_name).toBe('Ready');
  });
});

describe('machines/ ownership', () => {
  it('shows a user Ready machines and their own, never another user’s', async () => {
    const bobKey = await newUser('bob');
    const bobs = await readyMachine('bobs-machine');
    await op(bobs.system_id, 'deploy', bobKey);
    const free = await readyMachine('free-machine');
    const seen = (await region.request('GET', machines, { key: region.userKey })).json<Machine[]>();
    const names = seen.map((m) => m.hostname);
    expect(names).toContain('free-machine');
    expect(names).not.toContain('bobs-machine');
    expect(
      (await region.request('GET', `${machines}${bobs.system_id}/`, { key: region.userKey })).statusCode,
    ).toBe(404);
    expect((await op(bobs.system_id, 'release', region.userKey)).statusCode).toBe(404);
    // A normal user may not commission (admin only), even a free machine.
    expect((await op(free.system_id, 'commission', region.userKey)).statusCode).toBe(403);
    // Admins see and release everything.
    expect((await op(bobs.system_id, 'release', region.adminKey)).statusCode).toBe(200);
  });

  it('shows a user the events of machines they may see, filtered by machine properties', async () => {
    const carolKey = await newUser('carol');
    const mac = nextMac();
    const hers = await readyMachine('carols-machine');
    await op(hers.system_id, 'deploy', carolKey);
    const other = await createMachine({ hostname: 'event-free', mac_addresses: mac });
    const events = async (query: string, key: string) =>
      (
        await region.request('GET', `/MAAS/api/2.0/events/?op=query&level=DEBUG&limit=1000&${query}`, { key })
      ).json<{ events: { node: string | null }[] }>().events;
    const nodesSeenByAlice = new Set((await events('', region.userKey)).map((e) => e.node));
    expect(nodesSeenByAlice.has(other.system_id)).toBe(true);
    expect(nodesSeenByAlice.has(hers.system_id)).toBe(false);
    expect(new Set((await events('', carolKey)).map((e) => e.node)).has(hers.system_id)).toBe(true);
    const byMac = await events(`mac_address=${mac}`, region.adminKey);
    expect(byMac.length).toBeGreaterThan(0);
    expect(new Set(byMac.map((e) => e.node))).toEqual(new Set([other.system_id]));
  });

  it('lets only admins create, update and delete machines', async () => {
    const machine = await readyMachine('admin-only');
    const create = await region.request('POST', machines, {
      key: region.userKey,
      form: { architecture: 'amd64', mac_addresses: nextMac() },
    });
    expect(create.statusCode).toBe(403);
    const update = await region.request('PUT', `${machines}${machine.system_id}/`, {
      key: region.userKey,
      form: { description: 'x' },
    });
    expect(update.statusCode).toBe(403);
    const del = await region.request('DELETE', `${machines}${machine.system_id}/`, { key: region.userKey });
    expect(del.statusCode).toBe(403);
  });
});

describe('machines/ filters and hostnames', () => {
  it('filters by hostname, MAC, status and tags in SQL', async () => {
    const mac = nextMac();
    const a = await createMachine({ hostname: 'filter-a', mac_addresses: mac });
    await readyMachine('filter-b');
    const list = async (query: string) =>
      (await region.request('GET', `${machines}?${query}`, { key: region.adminKey }))
        .json<Machine[]>()
        .map((m) => m.hostname);
    expect(await list('hostname=filter-a')).toEqual(['filter-a']);
    expect(await list(`mac_address=${mac}`)).toEqual(['filter-a']);
    expect(await list(`id=${a.system_id}`)).toEqual(['filter-a']);
    expect(await list('hostname=filter-a&hostname=filter-b&status=ready')).toEqual(['filter-b']);
    const bad = await region.request('GET', `${machines}?status=sleeping`, { key: region.adminKey });
    expect(bad.statusCode).toBe(400);
  });

  it("tags machines with update_nodes, filters by tags and not_tags, and lists a tag's machines", async () => {
    const gpu = await readyMachine('tagged-gpu');
    const plain = await readyMachine('tagged-plain');
    await region.request('POST', '/MAAS/api/2.0/tags/', { key: region.adminKey, form: { name: 'gpu' } });
    const updated = await region.request('POST', '/MAAS/api/2.0/tags/gpu/?op=update_nodes', {
      key: region.adminKey,
      form: { add: [gpu.system_id, plain.system_id] },
    });
    expect(updated.json()).toEqual({ added: 2, removed: 0 });
    const removed = await region.request('POST', '/MAAS/api/2.0/tags/gpu/?op=update_nodes', {
      key: region.adminKey,
      form: { remove: plain.system_id },
    });
    expect(removed.json()).toEqual({ added: 0, removed: 1 });
    const unknown = await region.request('POST', '/MAAS/api/2.0/tags/gpu/?op=update_nodes', {
      key: region.adminKey,
      form: { add: 'nosuch' },
    });
    expect(unknown.statusCode).toBe(400);
    const names = async (url: string) =>
      (await region.request('GET', url, { key: region.userKey })).json<Machine[]>().map((m) => m.hostname);
    expect(await names('/MAAS/api/2.0/tags/gpu/?op=machines')).toEqual(['tagged-gpu']);
    expect(await names(`${machines}?tags=gpu`)).toEqual(['tagged-gpu']);
    expect(await names(`${machines}?not_tags=gpu&hostname=tagged-gpu&hostname=tagged-plain`)).toEqual([
      'tagged-plain',
    ]);
    expect((await get(gpu.system_id)).tag_names).toEqual(['gpu']);
  });

  it('refuses a rename onto a taken hostname with 409', async () => {
    await createMachine({ hostname: 'taken-name' });
    const other = await createMachine({ hostname: 'other-name' });
    const response = await region.request('PUT', `${machines}${other.system_id}/`, {
      key: region.adminKey,
      form: { hostname: 'taken-name' },
    });
    expect(response.statusCode).toBe(409);
  });

  it('never lets two machines hold one name when renames race (bbb→ccc with aaa→bbb)', async () => {
    for (let round = 0; round < 10; round++) {
      const aaa = await createMachine({ hostname: `aaa-${String(round)}` });
      const bbb = await createMachine({ hostname: `bbb-${String(round)}` });
      const [first, second] = await Promise.all([
        region.request('PUT', `${machines}${bbb.system_id}/`, {
          key: region.adminKey,
          form: { hostname: `ccc-${String(round)}` },
        }),
        region.request('PUT', `${machines}${aaa.system_id}/`, {
          key: region.adminKey,
          form: { hostname: `bbb-${String(round)}` },
        }),
      ]);
      expect(first.statusCode).toBe(200);
      expect([200, 409]).toContain(second.statusCode);
      const names = await sql<{ n: string }>`
        SELECT hostname AS n FROM machines WHERE hostname LIKE ${`%-${String(round)}`}`.execute(
        region.database.db,
      );
      const held = names.rows.map((r) => r.n);
      expect(new Set(held).size).toBe(held.length);
    }
  });
});

describe('machines/ concurrency', () => {
  it('allocates each of 100 Ready machines exactly once to 200 concurrent calls', async () => {
    const pool = await region.services.pools.create({ name: 'race', description: '' }, 'admin');
    const created: string[] = [];
    for (let i = 0; i < 100; i++) {
      const m = await createMachine({ hostname: `race-${String(i)}`, pool: pool.name });
      await region.services.lifecycle.report(m.system_id, 'succeeded');
      created.push(m.system_id);
    }
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        region.request('POST', `${machines}?op=allocate`, { key: region.userKey, form: { pool: 'race' } }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200).map((r) => r.json<Machine>().system_id);
    const conflicts = responses.filter((r) => r.statusCode === 409);
    expect(ok.length).toBe(100);
    expect(new Set(ok).size).toBe(100);
    expect(new Set(ok)).toEqual(new Set(created));
    expect(conflicts.length).toBe(100);
  }, 60_000);
});
