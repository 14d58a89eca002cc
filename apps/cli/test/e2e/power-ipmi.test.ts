// Power through a rack, as an operator runs it: the region alone (`ferrum start --region-only`),
// one rack process (`ferrum rack register`, `ferrum rack start`), and an IPMI BMC simulated by
// OpenIPMI's ipmi_sim on loopback. Power on, off, cycle and query through the MAAS API change the
// simulated chassis; a wrong password reads as an authentication error and a dead address as a
// connection error, in the API's answer and in the machine's events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, type TestDatabase } from '../../../region/test/support/test-database.js';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import { startIpmiSim, type IpmiSim } from '../../../rack/test/support/ipmi-sim.js';
import { ferrum, freePort, opsApiKey, startFerrum } from './cli-process.js';

let database: TestDatabase;
let regionDir: string;
let rackDir: string;
let apiKey: string;
let region: Awaited<ReturnType<typeof startFerrum>>;
let rack: Awaited<ReturnType<typeof startFerrum>> | undefined;
let bmc: IpmiSim;

interface Answer {
  status: number;
  text: string;
  json: () => unknown;
}

async function call(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${region.match}api/2.0/${path}`, {
    method,
    headers: {
      authorization: oauthHeader(apiKey),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as unknown };
}

async function ok<T>(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<T> {
  const answer = await call(method, path, form);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200);
  return answer.json() as T;
}

interface Machine {
  system_id: string;
  status_name: string;
  power_state: string;
}

let macSeq = 0;
async function createIpmiMachine(name: string, params: Record<string, string>): Promise<Machine> {
  macSeq += 1;
  return ok<Machine>('POST', 'machines/', {
    hostname: name,
    architecture: 'amd64/generic',
    mac_addresses: `52:54:00:99:00:${macSeq.toString(16).padStart(2, '0')}`,
    commission: 'false',
    power_type: 'ipmi',
    power_parameters_power_driver: 'LAN_2_0',
    power_parameters_cipher_suite_id: '3',
    power_parameters_privilege_level: 'ADMIN',
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`power_parameters_${k}`, v])),
  });
}

/** Polls until `check` holds (or fails after `timeoutMs`, showing the last value). */
async function until<T>(what: string, read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30_000) {
  const started = Date.now();
  let last: T = await read();
  while (!check(last)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`${what} did not happen in ${String(timeoutMs)} ms; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
}

/** Waits for the simulated chassis to be `state`. */
const chassis = (state: 'on' | 'off') =>
  until(
    `the chassis to be ${state}`,
    () => bmc.powerState(),
    (s) => s === state,
  );
/** Waits for the machine's recorded power_state to be `state`. */
const recorded = (id: string, state: string) =>
  until(
    `power_state ${state}`,
    () => machine(id),
    (m) => m.power_state === state,
  );
const machine = (id: string) => ok<Machine>('GET', `machines/${id}/`);
const events = async (id: string) =>
  (
    await ok<{ events: { type: string; description: string }[] }>(
      'GET',
      `events/?op=query&id=${id}&level=DEBUG`,
    )
  ).events;

beforeAll(async () => {
  database = await createEmptyDatabase();
  regionDir = await mkdtemp(join(tmpdir(), 'ferrum-power-region-'));
  rackDir = await mkdtemp(join(tmpdir(), 'ferrum-power-rack-'));
  const regionEnv = {
    DATABASE_URL: database.url,
    FERRUM_DATA_DIR: regionDir,
    FERRUM_HTTP_PORT: String(await freePort()),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    // Polled every 10 s (a tick a second), so the last test sees a change made behind Ferrum's back.
    FERRUM_POWER_POLL_INTERVAL: '10',
  };
  apiKey = opsApiKey(regionEnv);
  region = await startFerrum(['start', '--region-only'], regionEnv, /region is ready at (\S+)/, 60_000);
  const rackEnv = { FERRUM_DATA_DIR: rackDir };
  const secret = ferrum(['rack', 'secret'], regionEnv).stdout.trim();
  const registered = ferrum(
    ['rack', 'register', '--url', region.match, '--secret', secret, '--name', 'power-rack'],
    rackEnv,
  );
  if (registered.code !== 0) throw new Error(`rack register failed: ${registered.stderr}`);
  rack = await startFerrum(['rack', 'start'], rackEnv, /(connected to the region)/, 30_000);
  bmc = await startIpmiSim({ user: 'admin', password: 'password' });
}, 120_000);

afterAll(async () => {
  await bmc.close();
  rack?.child.kill('SIGTERM');
  await rack?.exited;
  region.child.kill('SIGTERM');
  await region.exited;
  await database.drop();
  await rm(regionDir, { recursive: true, force: true });
  await rm(rackDir, { recursive: true, force: true });
});

describe('IPMI power through the rack process', () => {
  let id = '';

  it('queries the simulated chassis through the rack', async () => {
    const created = await createIpmiMachine('ipmi-good', {
      power_address: `${bmc.host}:${String(bmc.port)}`,
      power_user: 'admin',
      power_pass: 'password',
    });
    id = created.system_id;
    expect(await bmc.powerState()).toBe('off');
    expect(await ok<{ state: string }>('GET', `machines/${id}/?op=query_power_state`)).toEqual({
      state: 'off',
    });
    expect((await machine(id)).power_state).toBe('off');
  });

  it('powers on with a one-time network boot when commissioning starts', async () => {
    await ok('POST', `machines/${id}/op-commission`);
    await chassis('on');
    expect(await bmc.bootDevice()).toBe('pxe');
    await recorded(id, 'on');
    expect(await ok<{ state: string }>('GET', `machines/${id}/?op=query_power_state`)).toEqual({
      state: 'on',
    });
  });

  it('powers off when commissioning is aborted', async () => {
    await ok('POST', `machines/${id}/op-abort`);
    await chassis('off');
    await recorded(id, 'off');
  });

  it('powers on and off on request (power_on, power_off)', async () => {
    await ok('POST', `machines/${id}/op-mark_broken`);
    await ok('POST', `machines/${id}/op-power_on`);
    await chassis('on');
    await recorded(id, 'on');
    await ok('POST', `machines/${id}/op-power_off`);
    await chassis('off');
    await recorded(id, 'off');
    await ok('POST', `machines/${id}/op-mark_fixed`);
  });

  it('cycles a machine that is already on when it must network-boot', async () => {
    await ok('POST', `machines/${id}/op-mark_broken`);
    await ok('POST', `machines/${id}/op-power_on`);
    await chassis('on');
    const shutdownsBefore = await bmc.shutdowns();
    await ok('POST', `machines/${id}/op-mark_fixed`);
    await ok('POST', `machines/${id}/op-commission`);
    await until(
      'a power cycle',
      () => bmc.shutdowns(),
      (n) => n > shutdownsBefore,
    );
    await chassis('on');
    expect(await bmc.bootDevice()).toBe('pxe');
    const log = await events(id);
    expect(log.map((e) => e.type).join('\n')).toMatch(/cycl/i);
    await ok('POST', `machines/${id}/op-abort`);
    await chassis('off');
  }, 60_000);

  it('notices, by polling, a machine switched on outside Ferrum, and says so in an event', async () => {
    await recorded(id, 'off');
    await bmc.press('on');
    await until(
      'the poll to see the machine on',
      () => machine(id),
      (m) => m.power_state === 'on',
      30_000,
    );
    const log = await events(id);
    const changed = log.filter((e) => e.type === 'Power state changed');
    expect(changed.length, JSON.stringify(log)).toBe(1);
    expect(changed[0]?.description).toMatch(/Found powered on by rack power-rack; Ferrum last knew it off/);
    await bmc.press('off');
    await recorded(id, 'off');
  }, 60_000);

  it('reports a wrong password as an authentication error, in the API and the events, without retrying', async () => {
    const bad = await createIpmiMachine('ipmi-bad-pass', {
      power_address: `${bmc.host}:${String(bmc.port)}`,
      power_user: 'admin',
      power_pass: 'not-the-password',
    });
    const answer = await call('GET', `machines/${bad.system_id}/?op=query_power_state`);
    expect(answer.status).toBe(503);
    expect(answer.text).toMatch(/auth|password|credentials/i);
    expect(answer.text).not.toContain('not-the-password');
    await ok('POST', `machines/${bad.system_id}/op-commission`);
    const failed = await until(
      'failed commissioning',
      () => machine(bad.system_id),
      (m) => m.status_name === 'Failed commissioning',
      60_000,
    );
    expect(failed.status_name).toBe('Failed commissioning');
    const log = await events(bad.system_id);
    const failures = log.filter(
      (e) => /fail/i.test(e.type) && /auth|password|credentials/i.test(e.description),
    );
    expect(failures.length, JSON.stringify(log)).toBeGreaterThanOrEqual(1);
    // Never retried: one attempt started.
    expect(log.filter((e) => e.type === 'Power cycling')).toHaveLength(1);
    expect(log.some((e) => /attempt 2/.test(e.description))).toBe(false);
    expect(JSON.stringify(log)).not.toContain('not-the-password');
    expect(await bmc.powerState()).toBe('off');
  }, 90_000);

  it('reports a dead address as a connection error, in the API and the events', async () => {
    const dead = await createIpmiMachine('ipmi-dead', {
      power_address: `127.0.0.1:${String(await freePort())}`,
      power_user: 'admin',
      power_pass: 'password',
    });
    const answer = await call('GET', `machines/${dead.system_id}/?op=query_power_state`);
    expect(answer.status).toBe(503);
    expect(answer.text).toMatch(/connect|reach|answer|unreachable/i);
    const log = await until(
      'a power error event',
      () => events(dead.system_id),
      (l) => l.some((e) => /connect|reach|answer|unreachable/i.test(e.description)),
      60_000,
    );
    expect(log.length).toBeGreaterThan(0);
  }, 90_000);
});
