// A machine's whole life with no hardware, as a user tries Ferrum: `ferrum start` (all-in-one,
// embedded PostgreSQL, its own rack with the fixture boot images) and `ferrum sim` creating two
// simulated machines with `sim` BMCs. Each commissions by itself through the rack's sim driver and
// the metadata API: one reaches Ready with exactly the inventory of its resources document; on the
// other a commissioning script fails, so it lands in Failed commissioning with the script's output
// downloadable from its results. Then Juju's own client, gomaasapi, allocates the Ready machine,
// deploys it with user data, sees Deployed, releases it and sees Ready; deployed again, it is
// released with its disks erased (the simulated ephemeral environment runs wipe-disks).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simHardware } from '@ferrum/sim';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import {
  buildGomaasapiHarness,
  runGomaasapiHarness,
} from '../../../region/test/e2e/support/gomaasapi-harness.js';
import { ferrum, freePort, postgresPids, startFerrum } from './cli-process.js';

const imageDir = fileURLToPath(new URL('../../../rack/test/fixtures/images', import.meta.url));
const PREFIX = 'e2e';
const SEED = 7;
const FAILING_SCRIPT = 'maas-lshw';

let dataDir: string;
let harnessDir: string;
let env: NodeJS.ProcessEnv;
let apiKey: string;
let region: Awaited<ReturnType<typeof startFerrum>>;
let sim: Awaited<ReturnType<typeof startFerrum>> | undefined;

interface Machine {
  system_id: string;
  hostname: string;
  status_name: string;
  cpu_count: number;
  memory: number;
  hardware_info: Record<string, string>;
  boot_interface: { mac_address: string } | null;
  interface_set: { mac_address: string; type: string; vendor: string | null; product: string | null }[];
  physicalblockdevice_set: { name: string; size: number; serial: string; model: string }[];
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  form?: Record<string, string>,
): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${region.match}api/2.0/${path}`, {
    method,
    headers: { authorization: oauthHeader(apiKey) },
    ...(form ? { body: new URLSearchParams(form) } : {}),
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

async function api<T>(path: string): Promise<T> {
  const answer = await call('GET', path);
  expect(answer.status, `GET ${path}: ${answer.body.toString()}`).toBe(200);
  return JSON.parse(answer.body.toString('utf8')) as T;
}

async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what} did not happen in ${String(timeoutMs)} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const byHostname = async (hostname: string) =>
  (await api<Machine[]>(`machines/?hostname=${hostname}`))[0] ?? ({ status_name: 'absent' } as Machine);

/**
 * The statuses a machine went through, oldest first, from its events (the API a user reads);
 * a machine is created New, so its `Created` event reads as New.
 */
async function statusPath(systemId: string): Promise<string[]> {
  const page = await api<{ events: { type: string; created: string }[] }>(
    `events/?op=query&id=${systemId}&level=DEBUG&limit=1000`,
  );
  const statuses = new Set([
    'Commissioning',
    'Testing',
    'Ready',
    'Allocated',
    'Deploying',
    'Deployed',
    'Releasing',
    'Disk erasing',
    'Failed commissioning',
  ]);
  return page.events
    .map((e) => (e.type === 'Created' ? 'New' : e.type))
    .filter((t) => t === 'New' || statuses.has(t))
    .reverse();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ferrum-sim-e2e-'));
  harnessDir = await mkdtemp(join(tmpdir(), 'ferrum-gomaasapi-'));
  env = {
    FERRUM_DATA_DIR: dataDir,
    FERRUM_HTTP_PORT: String(await freePort()),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    FERRUM_RACK_IMAGE_DIR: imageDir,
    DATABASE_URL: '',
  };
  expect(
    ferrum(['createadmin', '--username', 'admin', '--email', 'a@example.com', '--password', 'pw'], env).code,
  ).toBe(0);
  apiKey = ferrum(['apikey', '--username', 'admin'], env).stdout.trim();
  region = await startFerrum(['start'], env, /region is ready at (\S+)/, 90_000);
  // The all-in-one rack has connected and reported its boot images (deploy checks the OS).
  await until(
    'the rack reporting its images',
    async () => {
      const racks = await api<{ system_id: string }[]>('rackcontrollers/');
      const rack = racks[0];
      if (!rack) return [];
      const answer = await api<{ connected: boolean; images: { name: string }[] }>(
        `rackcontrollers/${rack.system_id}/?op=list_boot_images`,
      );
      return answer.connected ? answer.images.map((i) => i.name) : [];
    },
    (names) => names.includes('ubuntu/jammy'),
    60_000,
  );
}, 150_000);

afterAll(async () => {
  sim?.child.kill('SIGTERM');
  await sim?.exited;
  region.child.kill('SIGTERM');
  await region.exited;
  for (const pid of postgresPids(dataDir)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
  await rm(harnessDir, { recursive: true, force: true });
}, 90_000);

describe('ferrum sim against ferrum start', () => {
  it('commissions one machine to Ready with its document inventory, and fails the other on its failing script', async () => {
    sim = await startFerrum(
      [
        'sim',
        '--machines',
        '2',
        '--url',
        region.match,
        '--key',
        apiKey,
        '--prefix',
        PREFIX,
        '--seed',
        String(SEED),
        '--fail-scripts',
        FAILING_SCRIPT,
        '--fail-machines',
        '1',
      ],
      env,
      /(2 machines created)/,
      60_000,
    );

    // Machine 0 runs the failing script: Failed commissioning, the script's output kept.
    const failed = await until(
      'e2e-0 failing commissioning',
      () => byHostname(`${PREFIX}-0`),
      (m) => ['Failed commissioning', 'Ready'].includes(m.status_name),
      60_000,
    );
    expect(failed.status_name).toBe('Failed commissioning');
    const results = await api<{
      results: { name: string; status_name: string; exit_status: number | null }[];
    }>(`nodes/${failed.system_id}/results/current-commissioning/`);
    const script = results.results.find((r) => r.name === FAILING_SCRIPT);
    expect(script).toMatchObject({ status_name: 'Failed', exit_status: 1 });
    const download = await call(
      'GET',
      `nodes/${failed.system_id}/results/current-commissioning/?op=download&filters=${FAILING_SCRIPT}&output=stdout`,
    );
    expect(download.status, download.body.toString()).toBe(200);
    expect(download.body.toString('utf8')).toBe(`${FAILING_SCRIPT}: simulated failure\n`);

    // Machine 1: New → Commissioning → (Testing →) Ready, inventory as its document says.
    const ready = await until(
      'e2e-1 Ready',
      () => byHostname(`${PREFIX}-1`),
      (m) => ['Failed commissioning', 'Ready'].includes(m.status_name),
      60_000,
    );
    expect(ready.status_name).toBe('Ready');
    const path = await statusPath(ready.system_id);
    expect(path[0]).toBe('New');
    expect(path).toContain('Commissioning');
    expect(path.at(-1)).toBe('Ready');

    const hardware = simHardware(1, SEED, PREFIX);
    const document = hardware.document as {
      resources: {
        cpu: { total: number };
        memory: { total: number };
        storage: { disks: { id: string; size: number; serial: string; model: string }[] };
        system: { vendor: string; product: string };
      };
    };
    const { resources } = document;
    expect(ready.cpu_count).toBe(resources.cpu.total);
    expect(ready.memory).toBe(Math.floor(resources.memory.total / 1024 / 1024));
    expect(ready.hardware_info['system_vendor']).toBe(resources.system.vendor);
    expect(ready.hardware_info['system_product']).toBe(resources.system.product);
    const disks = ready.physicalblockdevice_set
      .map((d) => ({ name: d.name, size: d.size, serial: d.serial, model: d.model }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(disks).toEqual(
      resources.storage.disks
        .map((d) => ({ name: d.id, size: d.size, serial: d.serial, model: d.model }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    const macs = ready.interface_set
      .filter((i) => i.type === 'physical')
      .map((i) => i.mac_address)
      .sort();
    expect(macs).toEqual([...hardware.macs].sort());
    expect(ready.boot_interface?.mac_address).toBe(hardware.macs[0]);
  }, 150_000);

  it("tags the Ready machine automatically from its lshw details (a tag's XPath definition)", async () => {
    const ready = await byHostname(`${PREFIX}-1`);
    const created = await call('POST', 'tags/', {
      name: 'virt',
      definition: '//node[@class="processor"]/capabilities/capability[@id="vmx"]',
    });
    expect(created.status, created.body.toString()).toBe(200);
    const tagged = await until(
      'the automatic tag',
      () => api<{ system_id: string }[]>('tags/virt/?op=machines'),
      (machines) => machines.some((m) => m.system_id === ready.system_id),
      30_000,
    );
    expect(tagged.map((m) => m.system_id)).toContain(ready.system_id);
    // The machine whose commissioning failed has no details: it is not tagged.
    const failed = await byHostname(`${PREFIX}-0`);
    expect(tagged.map((m) => m.system_id)).not.toContain(failed.system_id);
  });

  it('lets gomaasapi allocate, deploy with user data, see Deployed, release and see Ready', async () => {
    const binary = await buildGomaasapiHarness(harnessDir);
    const ready = await byHostname(`${PREFIX}-1`);
    const { run, result } = await runGomaasapiHarness(
      binary,
      region.match,
      {
        MAAS_API_KEY: apiKey,
        MODE: 'lifecycle',
        LIFECYCLE_SPEC: JSON.stringify({
          allocate: { SystemId: ready.system_id, AgentName: 'juju-e2e' },
          user_data: '#cloud-config\nruncmd:\n  - echo hello from juju\n',
          distro_series: 'jammy',
          comment: 'e2e',
          deploy_timeout_seconds: 90,
          release_timeout_seconds: 90,
        }),
      },
      200_000,
    );
    expect(result, run.stderr).toMatchObject({ ok: true, mode: 'lifecycle' });
    expect(result['allocated']).toMatchObject({ system_id: ready.system_id, status_name: 'Allocated' });
    const deploySeen = result['deploy_statuses'] as string[];
    expect(deploySeen.at(-1)).toBe('Deployed');
    expect(result['deployed']).toMatchObject({ osystem: 'ubuntu', distro_series: 'jammy' });
    const releaseSeen = result['release_statuses'] as string[];
    expect(releaseSeen.at(-1)).toBe('Ready');

    const path = await statusPath(ready.system_id);
    const tail = path.slice(path.lastIndexOf('Allocated'));
    expect(tail).toEqual(['Allocated', 'Deploying', 'Deployed', 'Releasing', 'Ready']);
  }, 240_000);

  it('erases the disks on a release asked to (Disk erasing, then Releasing and Ready), wipe-disks passed', async () => {
    const machine = await byHostname(`${PREFIX}-1`);
    expect(machine.status_name).toBe('Ready');
    const post = async (path: string, form: Record<string, string> = {}) => {
      const answer = await call('POST', path, form);
      expect(answer.status, `POST ${path}: ${answer.body.toString()}`).toBe(200);
    };
    await post('machines/?op=allocate', { system_id: machine.system_id });
    await post(`machines/${machine.system_id}/?op=deploy`, { distro_series: 'jammy' });
    await until(
      'the deploy',
      () => byHostname(machine.hostname),
      (m) => m.status_name === 'Deployed',
      90_000,
    );
    await post(`machines/${machine.system_id}/?op=release`, { erase: 'true', quick_erase: 'true' });
    await until(
      'the erasing release',
      () => byHostname(machine.hostname),
      (m) => m.status_name === 'Ready',
      90_000,
    );
    const path = await statusPath(machine.system_id);
    expect(path.slice(path.lastIndexOf('Deployed'))).toEqual([
      'Deployed',
      'Disk erasing',
      'Releasing',
      'Ready',
    ]);
    const results = await api<{ results: { name: string; status_name: string }[] }>(
      `nodes/${machine.system_id}/results/current-release/`,
    );
    expect(results.results.map((r) => [r.name, r.status_name])).toEqual([['wipe-disks', 'Passed']]);
  }, 200_000);
});
