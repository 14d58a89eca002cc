import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  commissioningMachine,
  machineJson,
  machineKey,
  maasScripts,
  multipart,
  newMachine,
  passCommissioningScripts,
  runScript,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();
const results = (systemId: string) => `/MAAS/api/2.0/nodes/${systemId}/results/`;

interface ResultJson {
  id: number;
  name: string;
  status: number;
  status_name: string;
  exit_status: number | null;
  script_revision_id: number | null;
  stdout?: string;
  parameters?: Record<string, unknown>;
}
interface SetJson {
  id: number;
  type: number;
  type_name: string;
  status: number;
  status_name: string;
  results: ResultJson[];
}

async function commissioning(hostname: string) {
  const machine = await commissioningMachine(region, hostname);
  return { machine, key: await machineKey(region, machine.system_id) };
}

async function resultSet(systemId: string, id: string): Promise<SetJson> {
  const response = await region.request('GET', `${results(systemId)}${id}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<SetJson>();
}

describe('commissioning scripts and results', () => {
  it('serves the built-in commissioning scripts and the default test in maas-scripts', async () => {
    const { key } = await commissioning('sr-index');
    const { index, files } = await maasScripts(region, key);
    const names = index['1.0'].commissioning_scripts.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '20-maas-01-install-lldpd',
        '30-maas-01-bmc-config',
        '50-maas-01-commissioning',
        'maas-lshw',
        'maas-capture-lldpd',
      ]),
    );
    expect(names).toHaveLength(13);
    expect(index['1.0'].testing_scripts.map((s) => s.name)).toEqual(['smartctl-validate']);
    const validate = index['1.0'].testing_scripts[0];
    expect(validate).toMatchObject({
      path: 'testing/smartctl-validate',
      timeout_seconds: 300,
      hardware_type: 3,
      has_started: false,
      has_finished: false,
    });
    expect(validate?.script_result_id).toBeGreaterThan(0);
    expect(validate?.parameters['storage']).toMatchObject({ type: 'storage', value: 'all' });
    const text = files.get('testing/smartctl-validate')?.toString('utf8') ?? '';
    expect(text).toMatch(/^#!\/bin\/sh/);
    expect(text).toContain('smartctl -H');
  });

  it('lands a machine whose commissioning script fails in Failed commissioning, its output downloadable', async () => {
    const { machine, key } = await commissioning('sr-fail');
    const { index } = await maasScripts(region, key);
    const lshw = index['1.0'].commissioning_scripts.find((s) => s.name === 'maas-lshw');
    expect(lshw).toBeDefined();
    if (!lshw) return;
    const stdout = Buffer.from([0x6c, 0x73, 0x68, 0x77, 0x0a, 0xff, 0x00, 0xfe]);
    const stderr = Buffer.from('lshw: command not found\n');
    await runScript(region, key, lshw, { exitStatus: 127, stdout, stderr });
    // The runner ends the phase; a failed result fails commissioning whatever the final word.
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Failed commissioning');

    const base = `${results(machine.system_id)}current-commissioning/`;
    const combined = await region.request('GET', `${base}?op=download&filters=maas-lshw`, {
      key: region.adminKey,
    });
    expect(combined.statusCode, combined.body).toBe(200);
    expect(combined.rawPayload.equals(Buffer.concat([stdout, stderr]))).toBe(true);
    const out = await region.request('GET', `${base}?op=download&filters=maas-lshw&output=stdout`, {
      key: region.adminKey,
    });
    expect(out.rawPayload.equals(stdout)).toBe(true);
    const err = await region.request('GET', `${base}?op=download&filters=maas-lshw&output=stderr`, {
      key: region.userKey,
    });
    expect(err.rawPayload.toString()).toBe(stderr.toString());

    const set = await resultSet(machine.system_id, 'current-commissioning');
    expect(set).toMatchObject({ type: 0, type_name: 'Commissioning' });
    const result = set.results.find((r) => r.name === 'maas-lshw');
    expect(result).toMatchObject({ status: 3, status_name: 'Failed', exit_status: 127 });
    // A script the machine never ran is aborted with the commissioning that failed.
    expect(set.results.find((r) => r.name === 'maas-kernel-cmdline')).toMatchObject({
      status_name: 'Aborted',
    });

    const withOutput = await region.request('GET', `${base}?include_output=true&filters=maas-lshw`, {
      key: region.adminKey,
    });
    const [only] = withOutput.json<SetJson>().results;
    expect(Buffer.from(only?.stdout ?? '', 'base64').equals(stdout)).toBe(true);

    const tar = await region.request('GET', `${base}?op=download&filetype=tar.xz`, { key: region.adminKey });
    expect(tar.statusCode).toBe(400);
    expect(tar.body).toContain('filetype');
  });

  it('passes commissioning then testing and ends Ready with every result Passed', async () => {
    const { machine, key } = await commissioning('sr-pass');
    const { index } = await maasScripts(region, key);
    await passCommissioningScripts(region, key, index);
    expect((await signal(region, key, { status: 'TESTING' })).statusCode).toBe(200);
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Testing');
    const validate = index['1.0'].testing_scripts[0];
    if (!validate) throw new Error('no default test');
    await runScript(region, key, validate, { exitStatus: 0, stdout: '/dev/sda: PASSED\n' });
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Ready');

    const commissioningSet = await resultSet(machine.system_id, 'current-commissioning');
    expect(commissioningSet.status_name).toBe('Passed');
    expect(commissioningSet.results.every((r) => r.status_name === 'Passed')).toBe(true);
    const testing = await resultSet(machine.system_id, 'current-testing');
    expect(testing).toMatchObject({ type_name: 'Testing', status_name: 'Passed' });
    expect(testing.results[0]).toMatchObject({ name: 'smartctl-validate', exit_status: 0 });

    const list = await region.request('GET', `${results(machine.system_id)}?type=testing`, {
      key: region.adminKey,
    });
    expect(list.json<SetJson[]>().map((s) => s.type_name)).toEqual(['Testing']);
  });

  it('fails a test whose result has a non-zero exit status, then Failed testing', async () => {
    const { machine, key } = await commissioning('sr-test-fail');
    expect((await signal(region, key, { status: 'TESTING' })).statusCode).toBe(200);
    const { index } = await maasScripts(region, key);
    const [validate] = index['1.0'].testing_scripts;
    if (!validate) throw new Error('no default test');
    await runScript(region, key, validate, { exitStatus: 2, stderr: 'SMART FAILED\n' });
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Failed testing');
    const testing = await resultSet(machine.system_id, 'current-testing');
    expect(testing.results[0]).toMatchObject({ status_name: 'Failed', exit_status: 2 });
  });

  it("refuses a signal about another machine's result and writes nothing", async () => {
    const first = await commissioning('sr-own-a');
    const second = await commissioning('sr-own-b');
    const { index } = await maasScripts(region, second.key);
    const theirs = index['1.0'].commissioning_scripts[0];
    if (!theirs) throw new Error('no scripts');
    const response = await signal(
      region,
      first.key,
      {
        status: 'WORKING',
        name: theirs.name,
        script_result_id: String(theirs.script_result_id),
        exit_status: '1',
      },
      { [theirs.name]: 'forged' },
    );
    expect(response.statusCode).toBe(403);
    const set = await resultSet(second.machine.system_id, 'current-commissioning');
    expect(set.results.find((r) => r.id === theirs.script_result_id)).toMatchObject({
      status_name: 'Pending',
    });
  });

  it('never undoes a finished result with a start signal that raced it', async () => {
    const { machine, key } = await commissioning('sr-race');
    const { index } = await maasScripts(region, key);
    // (Not the resources document's script: its output is parsed.)
    const scripts = index['1.0'].commissioning_scripts
      .filter((s) => s.name !== '50-maas-01-commissioning')
      .slice(0, 6);
    // Per script, at the same moment: five "started" signals and the signal of its result.
    await Promise.all(
      scripts.flatMap((script) => {
        const ids = { name: script.name, script_result_id: String(script.script_result_id) };
        return [
          ...Array.from({ length: 5 }, () => signal(region, key, { status: 'WORKING', ...ids })),
          signal(
            region,
            key,
            { status: 'WORKING', ...ids, exit_status: '3' },
            { [`${script.name}.out`]: 'x' },
          ),
        ].map(async (sent) => {
          const response = await sent;
          expect(response.statusCode, response.body).toBe(200);
        });
      }),
    );
    const set = await resultSet(machine.system_id, 'current-commissioning');
    for (const script of scripts)
      expect(set.results.find((r) => r.id === script.script_result_id)).toMatchObject({
        status_name: 'Failed',
        exit_status: 3,
      });
  });
});

describe('op=commission and op=test script parameters', () => {
  it('runs the tests named and skips the BMC configuration when asked', async () => {
    const machine = await newMachine(region, 'sr-params');
    const response = await region.request('POST', `${api}${machine.system_id}/?op=commission`, {
      key: region.adminKey,
      form: { skip_bmc_config: '1', testing_scripts: 'memtester,stress-ng-cpu-short', enable_ssh: '1' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const commissioningSet = await resultSet(machine.system_id, 'current-commissioning');
    expect(commissioningSet.results.map((r) => r.name)).not.toContain('30-maas-01-bmc-config');
    const testing = await resultSet(machine.system_id, 'current-testing');
    expect(testing.results.map((r) => r.name)).toEqual(['memtester', 'stress-ng-cpu-short']);
  });

  it('refuses unknown scripts naming the field, and leaves the machine as it was', async () => {
    const machine = await newMachine(region, 'sr-bad');
    const bad = await region.request('POST', `${api}${machine.system_id}/?op=commission`, {
      key: region.adminKey,
      form: { commissioning_scripts: 'no-such-script' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Record<string, unknown>>()).toHaveProperty('commissioning_scripts');
    const badTests = await region.request('POST', `${api}${machine.system_id}/?op=commission`, {
      key: region.adminKey,
      form: { testing_scripts: 'no-such-test' },
    });
    expect(badTests.statusCode).toBe(400);
    expect(badTests.json<Record<string, unknown>>()).toHaveProperty('testing_scripts');
    expect((await machineJson(region, machine.system_id)).status_name).toBe('New');
    const sets = await region.request('GET', results(machine.system_id), { key: region.adminKey });
    expect(sets.json<unknown[]>()).toEqual([]);
  });

  it('tests a Ready machine with the tests named, none with testing_scripts=none', async () => {
    const { machine, key } = await commissioning('sr-test-op');
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    const tested = await region.request('POST', `${api}${machine.system_id}/?op=test`, {
      key: region.adminKey,
      form: { testing_scripts: 'badblocks', badblocks_storage: '/dev/sdb' },
    });
    expect(tested.statusCode, tested.body).toBe(200);
    const testing = await resultSet(machine.system_id, 'current-testing');
    expect(testing.results.map((r) => r.name)).toEqual(['badblocks']);
    const { index } = await maasScripts(region, await machineKey(region, machine.system_id));
    expect(index['1.0'].commissioning_scripts).toEqual([]);
    expect(index['1.0'].testing_scripts[0]?.parameters['storage']).toMatchObject({ value: '/dev/sdb' });
  });

  it("shows a password parameter's value REDACTED in the results, and gives it to the machine only", async () => {
    const script = [
      '#!/bin/sh',
      '# --- Start MAAS 1.0 script metadata ---',
      '# name: bmc-login-check',
      '# script_type: testing',
      '# hardware_type: node',
      '# parameters: {secret: {type: password, argument_format: "--password={input}"}, user: {type: string}}',
      '# --- End MAAS 1.0 script metadata ---',
      'exit 0',
      '',
    ].join('\n');
    const { body, contentType } = multipart([{ name: 'script', value: script, file: true }]);
    const uploaded = await region.request('POST', '/MAAS/api/2.0/scripts/', {
      key: region.adminKey,
      body,
      headers: { 'content-type': contentType },
    });
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    const { machine, key } = await commissioning('sr-password');
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    const tested = await region.request('POST', `${api}${machine.system_id}/?op=test`, {
      key: region.adminKey,
      form: {
        testing_scripts: 'bmc-login-check',
        'bmc-login-check_secret': 's3cr3t',
        'bmc-login-check_user': 'root',
      },
    });
    expect(tested.statusCode, tested.body).toBe(200);
    const shown = await resultSet(machine.system_id, 'current-testing');
    expect(shown.results[0]?.parameters).toMatchObject({
      secret: { type: 'password', value: 'REDACTED' },
      user: { type: 'string', value: 'root' },
    });
    expect(JSON.stringify(shown)).not.toContain('s3cr3t');
    const { index } = await maasScripts(region, await machineKey(region, machine.system_id));
    expect(index['1.0'].testing_scripts[0]?.parameters['secret']).toMatchObject({ value: 's3cr3t' });
  });

  it('refuses creating a commissioned machine with unknown tests before it exists', async () => {
    const response = await region.request('POST', api, {
      key: region.adminKey,
      form: {
        architecture: 'amd64',
        mac_addresses: '52:54:09:00:00:01',
        power_type: 'manual',
        hostname: 'sr-create-bad',
        testing_scripts: 'nope',
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<Record<string, unknown>>()).toHaveProperty('testing_scripts');
    const list = await region.request('GET', `${api}?hostname=sr-create-bad`, { key: region.adminKey });
    expect(list.json<unknown[]>()).toEqual([]);
  });
});
