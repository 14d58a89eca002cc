// Two racks against one region, as an operator runs them: the all-in-one `ferrum start` with
// its own rack over loopback, and a second rack process on this host with its own data dir
// (`ferrum rack register`, then `ferrum rack start`). Both show in rackcontrollers/; a killed
// rack shows dead within 10 s; restarted, it comes back as the same rack; the region restarts
// under it and it reconnects by itself.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, type TestDatabase } from '../../../region/test/support/test-database.js';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import { ferrum, freePort, opsApiKey, startFerrum, startServer, type RunningServer } from './cli-process.js';

const fixtureImages = fileURLToPath(new URL('../../../rack/test/fixtures/images', import.meta.url));

let database: TestDatabase;
let regionDir: string;
let rackDir: string;
let regionEnv: NodeJS.ProcessEnv;
let rackEnv: NodeJS.ProcessEnv;
let apiKey: string;
let region: RunningServer;
let second: Awaited<ReturnType<typeof startFerrum>> | undefined;

interface Rack {
  system_id: string;
  hostname: string;
  version: string | null;
  service_set: { name: string; status: string; status_info: string }[];
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${region.url}api/2.0/${path}`, {
    headers: { authorization: oauthHeader(apiKey) },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
}

const rackd = (rack: Rack | undefined) => rack?.service_set.find((s) => s.name === 'rackd')?.status;

/** Polls rackcontrollers/ until `check` holds; answers the racks and how long it took. */
async function waitForRacks(
  check: (racks: Rack[]) => boolean,
  timeoutMs: number,
): Promise<{ racks: Rack[]; ms: number }> {
  const started = Date.now();
  for (;;) {
    const racks = await api<Rack[]>('rackcontrollers/');
    if (check(racks)) return { racks, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs)
      throw new Error(`rackcontrollers/ did not settle in ${String(timeoutMs)} ms: ${JSON.stringify(racks)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const startSecondRack = () => startFerrum(['rack', 'start'], rackEnv, /(connected to the region)/, 30_000);

beforeAll(async () => {
  database = await createEmptyDatabase();
  regionDir = await mkdtemp(join(tmpdir(), 'ferrum-racks-region-'));
  rackDir = await mkdtemp(join(tmpdir(), 'ferrum-racks-second-'));
  const port = await freePort();
  regionEnv = {
    DATABASE_URL: database.url,
    FERRUM_DATA_DIR: regionDir,
    FERRUM_HTTP_PORT: String(port),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
  };
  rackEnv = { FERRUM_DATA_DIR: rackDir, FERRUM_RACK_IMAGE_DIR: fixtureImages };
  apiKey = opsApiKey(regionEnv);
  region = await startServer(regionEnv);
}, 120_000);

afterAll(async () => {
  second?.child.kill('SIGKILL');
  region.child.kill('SIGTERM');
  await region.exited;
  await database.drop();
  await rm(regionDir, { recursive: true, force: true });
  await rm(rackDir, { recursive: true, force: true });
});

describe('racks', () => {
  let secondId = '';

  it('runs the all-in-one rack over loopback, under the host name, with its identity in the data dir', async () => {
    const { racks } = await waitForRacks((r) => r.length === 1 && rackd(r[0]) === 'running', 10_000);
    expect(racks[0]?.hostname).toBe(hostname());
    const identity = JSON.parse(await readFile(join(regionDir, 'rack.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(identity['systemId']).toBe(racks[0]?.system_id);
    expect((await stat(join(regionDir, 'rack.json'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to register a rack with a wrong secret, naming the cause', () => {
    const wrong = ferrum(
      ['rack', 'register', '--url', region.url, '--secret', 'not-the-secret', '--name', 'intruder'],
      rackEnv,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/refused this rack.*Check the secret/s);
  });

  it('registers and starts a second rack process with its own data dir', async () => {
    const secret = ferrum(['rack', 'secret'], regionEnv).stdout.trim();
    const registered = ferrum(
      ['rack', 'register', '--url', region.url, '--secret', secret, '--name', 'rack-two'],
      rackEnv,
    );
    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout).toMatch(/Rack rack-two registered as [a-z0-9]{6}/);
    // A second registration in the same data dir would replace this rack's identity.
    const again = ferrum(
      ['rack', 'register', '--url', region.url, '--secret', secret, '--name', 'rack-three'],
      rackEnv,
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds rack rack-two.*--force/);
    // Nor can the secret take the name of a connected rack.
    const thief = ferrum(
      ['rack', 'register', '--url', region.url, '--secret', secret, '--name', hostname()],
      {
        FERRUM_DATA_DIR: join(rackDir, 'thief'),
      },
    );
    expect(thief.code).not.toBe(0);
    expect(thief.stderr).toMatch(/already named/);
    second = await startSecondRack();
    // Connected, and its services reported just after.
    const { racks } = await waitForRacks(
      (r) => r.length === 2 && r.every((x) => rackd(x) === 'running' && x.service_set.length > 1),
      10_000,
    );
    const two = racks.find((r) => r.hostname === 'rack-two');
    secondId = two?.system_id ?? '';
    expect(two?.service_set.map((s) => s.name)).toEqual([
      'rackd',
      'dhcpd',
      'dhcpd6',
      'tftp',
      'http',
      'power',
    ]);
    // The region asks the rack itself: its image cache holds the fixture images.
    const images = await api<{ images: { name: string }[]; connected: boolean }>(
      `rackcontrollers/${secondId}/?op=list_boot_images`,
    );
    expect(images.connected).toBe(true);
    expect(images.images.map((i) => i.name)).toContain('ubuntu/noble');
  });

  it('shows a killed rack dead within 10 s, with an event', async () => {
    second?.child.kill('SIGKILL');
    await second?.exited;
    const { ms } = await waitForRacks(
      (r) => rackd(r.find((x) => x.system_id === secondId)) === 'dead',
      10_000,
    );
    expect(ms).toBeLessThan(10_000);
    const events = await api<{ events: { type: string; node: string }[] }>(
      `events/?op=query&id=${secondId}&level=DEBUG`,
    );
    expect(events.events.map((e) => e.type)).toContain('Rack controller disconnected');
  });

  it('notices a hung rack (stopped, its socket open) within 10 s', async () => {
    second = await startSecondRack();
    await waitForRacks((r) => rackd(r.find((x) => x.system_id === secondId)) === 'running', 10_000);
    second.child.kill('SIGSTOP');
    try {
      const { ms } = await waitForRacks(
        (r) => rackd(r.find((x) => x.system_id === secondId)) === 'dead',
        12_000,
      );
      expect(ms).toBeLessThan(10_000);
    } finally {
      second.child.kill('SIGCONT');
    }
    // Woken, it finds its connection gone and dials again, as the same rack.
    await waitForRacks(
      (r) => r.length === 2 && rackd(r.find((x) => x.system_id === secondId)) === 'running',
      15_000,
    );
  }, 40_000);

  it('keeps both racks across a region restart, reconnecting by themselves', async () => {
    region.child.kill('SIGTERM');
    expect(await region.exited).toBe(0);
    region = await startServer(regionEnv);
    const { racks } = await waitForRacks(
      (r) => r.length === 2 && r.every((x) => rackd(x) === 'running'),
      30_000,
    );
    expect(racks.find((r) => r.hostname === 'rack-two')?.system_id).toBe(secondId);
    expect(second?.output()).toMatch(/lost the region connection; reconnecting/);
  }, 60_000);
});
