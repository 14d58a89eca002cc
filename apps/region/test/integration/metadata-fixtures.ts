import { randomBytes } from 'node:crypto';
import { readTar } from '@ferrum/sim';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { TestRegion } from '../support/test-region.js';
import { oauthHeader, type SignOptions } from '../support/oauth.js';

export const api = '/MAAS/api/2.0/machines/';
export const md = '/MAAS/metadata';

let macCounter = 0x4000;
export function nextMac(): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(6, '0');
  return `52:54:01:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export interface MachineJson {
  system_id: string;
  hostname: string;
  status_name: string;
  status_message: string;
  error_description: string;
  netboot: boolean;
  power_type: string;
}

/** A New machine (created without commissioning). */
export async function newMachine(region: TestRegion, hostname: string): Promise<MachineJson> {
  const response = await region.request('POST', api, {
    key: region.adminKey,
    form: {
      architecture: 'amd64',
      mac_addresses: nextMac(),
      power_type: 'manual',
      hostname,
      commission: 'false',
    },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MachineJson>();
}

/** A machine that has just started commissioning (accepted from New, through the lifecycle). */
export async function commissioningMachine(region: TestRegion, hostname: string): Promise<MachineJson> {
  const machine = await newMachine(region, hostname);
  const accepted = await region.request('POST', `${api}?op=accept`, {
    key: region.adminKey,
    form: { machines: machine.system_id },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return machine;
}

/** A machine commissioned to Ready (its commissioning signalled OK at once). */
export async function readyMachine(region: TestRegion, hostname: string): Promise<MachineJson> {
  const machine = await commissioningMachine(region, hostname);
  const key = await machineKey(region, machine.system_id);
  expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
  return machine;
}

/** A Ready machine allocated to the admin and deploying, with `form` given to op=deploy. */
export async function deployingMachine(
  region: TestRegion,
  hostname: string,
  form: Record<string, string> = {},
): Promise<MachineJson> {
  const machine = await readyMachine(region, hostname);
  const allocated = await region.request('POST', `${api}?op=allocate`, {
    key: region.adminKey,
    form: { name: hostname },
  });
  expect(allocated.statusCode, allocated.body).toBe(200);
  const deploying = await region.request('POST', `${api}${machine.system_id}/?op=deploy`, {
    key: region.adminKey,
    form,
  });
  expect(deploying.statusCode, deploying.body).toBe(200);
  return machine;
}

export async function machineJson(region: TestRegion, systemId: string): Promise<MachineJson> {
  const response = await region.request('GET', `${api}${systemId}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MachineJson>();
}

/** The preseed URL of the machine's next boot, as the boot path (here: the admin op) gives it. */
export async function bootPreseedPath(region: TestRegion, systemId: string): Promise<string> {
  const response = await region.request('POST', `${api}${systemId}/?op=issue_boot_token`, {
    key: region.adminKey,
  });
  expect(response.statusCode, response.body).toBe(200);
  const url = new URL(response.json<{ preseed_url: string }>().preseed_url);
  return `${url.pathname}${url.search}`;
}

/** The credentials a preseed hands out, as `consumer:token:secret`. */
export function keyOfPreseed(preseed: string): string {
  const value = (name: string) => {
    const match = new RegExp(`^ {4}${name}: (".*")$`, 'm').exec(preseed);
    expect(match, `${name} in the preseed`).not.toBeNull();
    return JSON.parse(match?.[1] ?? '""') as string;
  };
  return `${value('consumer_key')}:${value('token_key')}:${value('token_secret')}`;
}

/** Boots the machine as far as its metadata credentials: fetches its preseed with a boot token. */
export async function machineKey(region: TestRegion, systemId: string): Promise<string> {
  const preseed = await region.request('GET', await bootPreseedPath(region, systemId));
  expect(preseed.statusCode, preseed.body).toBe(200);
  return keyOfPreseed(preseed.body);
}

export interface Part {
  readonly name: string;
  readonly value: string | Buffer;
  /** Sent as a file upload (a filename), as maas_api_helper sends results. */
  readonly file?: boolean;
}

/** A multipart/form-data body, as the script runner sends signals. */
export function multipart(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = randomBytes(8).toString('hex');
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.file
      ? `form-data; name="${part.name}"; filename="${part.name}"\r\nContent-Type: application/octet-stream`
      : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `POST /MAAS/metadata/latest/?op=signal` signed with `key`. */
export function signal(
  region: TestRegion,
  key: string,
  fields: Record<string, string>,
  files: Record<string, string | Buffer> = {},
): Promise<LightMyRequestResponse> {
  const { body, contentType } = multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...Object.entries(files).map(([name, value]) => ({ name, value, file: true })),
  ]);
  return region.request('POST', `${md}/latest/?op=signal`, {
    key,
    body,
    headers: { 'content-type': contentType },
  });
}

/** A status webhook event for `systemId`, signed with `key`. */
export function statusEvent(
  region: TestRegion,
  key: string,
  systemId: string,
  event: Record<string, unknown> | string,
  options: SignOptions & { contentType?: string } = {},
): Promise<LightMyRequestResponse> {
  return region.app.inject({
    method: 'POST',
    url: `${md}/status/${systemId}`,
    headers: {
      authorization: oauthHeader(key, options),
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
    },
    payload: typeof event === 'string' ? event : JSON.stringify(event),
  });
}

/** A script of `maas-scripts`'s index.json, as the runner reads it. */
export interface IndexedScript {
  name: string;
  path: string;
  script_result_id: number;
  script_version_id: number;
  timeout_seconds: number;
  parallel: number;
  hardware_type: number;
  parameters: Record<string, Record<string, unknown>>;
  packages: Record<string, unknown>;
  for_hardware: string[];
  apply_configured_networking: boolean;
  has_started: boolean;
  has_finished: boolean;
}

export interface ScriptIndex {
  '1.0': {
    commissioning_scripts: IndexedScript[];
    testing_scripts: IndexedScript[];
    release_scripts?: IndexedScript[];
  };
}

/** The machine's `maas-scripts`: its index and every file of the tar, by path. */
export async function maasScripts(
  region: TestRegion,
  key: string,
): Promise<{ index: ScriptIndex; files: Map<string, Buffer> }> {
  const response = await region.request('GET', `${md}/latest/maas-scripts`, { key });
  expect(response.statusCode, response.body).toBe(200);
  const files = new Map(readTar(response.rawPayload).map((f) => [f.name, f.data]));
  const index = files.get('index.json');
  expect(index, 'index.json in maas-scripts').toBeDefined();
  return { index: JSON.parse(index?.toString('utf8') ?? '{}') as ScriptIndex, files };
}

/**
 * Signals one script's run as the runner (metadata-runner.ts, like MAAS's
 * maas-run-remote-scripts) does: WORKING when it starts, then WORKING (TIMEDOUT when it ran
 * out of time) with its exit status and files: OK and FAILED are the end of the whole phase.
 */
export async function runScript(
  region: TestRegion,
  key: string,
  script: Pick<IndexedScript, 'name' | 'script_result_id' | 'script_version_id'>,
  result: {
    status?: 'WORKING' | 'TIMEDOUT';
    exitStatus: number;
    stdout?: Buffer | string;
    stderr?: Buffer | string;
  },
): Promise<void> {
  const ids = {
    name: script.name,
    script_result_id: String(script.script_result_id),
    script_version_id: String(script.script_version_id),
  };
  const working = await signal(region, key, { status: 'WORKING', ...ids });
  expect(working.statusCode, working.body).toBe(200);
  const stdout = Buffer.from(result.stdout ?? '');
  const stderr = Buffer.from(result.stderr ?? '');
  const done = await signal(
    region,
    key,
    { status: result.status ?? 'WORKING', ...ids, exit_status: String(result.exitStatus), runtime: '1.25' },
    {
      [script.name]: Buffer.concat([stdout, stderr]),
      [`${script.name}.out`]: stdout,
      [`${script.name}.err`]: stderr,
    },
  );
  expect(done.statusCode, done.body).toBe(200);
}

/**
 * Runs every commissioning script of `index` with success. The resources document's script
 * passes with no output: its parsing is what other tests (hardware-inventory) are about.
 */
export async function passCommissioningScripts(
  region: TestRegion,
  key: string,
  index: ScriptIndex,
): Promise<void> {
  for (const script of index['1.0'].commissioning_scripts) {
    if (script.name === '50-maas-01-commissioning') {
      const ids = { name: script.name, script_result_id: String(script.script_result_id) };
      await signal(region, key, { status: 'WORKING', ...ids });
      await signal(region, key, { status: 'WORKING', ...ids, exit_status: '0' });
      continue;
    }
    await runScript(region, key, script, { exitStatus: 0, stdout: `${script.name} ok\n` });
  }
}
