import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  commissioningMachine,
  machineKey,
  maasScripts,
  newMachine,
  passCommissioningScripts,
  runScript,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();

type Json = Record<string, unknown>;

async function machine(systemId: string): Promise<Json> {
  const response = await region.request('GET', `${api}${systemId}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Json>();
}

async function listed(hostname: string): Promise<Json | undefined> {
  const response = await region.request('GET', `${api}?hostname=${hostname}`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Json[]>()[0];
}

async function currentSetId(systemId: string, alias: string): Promise<number> {
  const response = await region.request('GET', `/MAAS/api/2.0/nodes/${systemId}/results/${alias}/`, {
    key: region.adminKey,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ id: number }>().id;
}

const unknown = {
  current_commissioning_result_id: null,
  current_testing_result_id: null,
  current_installation_result_id: null,
  commissioning_status: -1,
  commissioning_status_name: 'Unknown',
  testing_status: -1,
  testing_status_name: 'Unknown',
  cpu_test_status: -1,
  cpu_test_status_name: 'Unknown',
  memory_test_status: -1,
  memory_test_status_name: 'Unknown',
  network_test_status: -1,
  network_test_status_name: 'Unknown',
  storage_test_status: -1,
  storage_test_status_name: 'Unknown',
  interface_test_status: -1,
  interface_test_status_name: 'Unknown',
  other_test_status: -1,
  other_test_status_name: 'Unknown',
};

describe('script statuses in the machine JSON', () => {
  it('shows the current results and a failed storage test of a commissioned machine', async () => {
    const { system_id: systemId } = await commissioningMachine(region, 'mss-failed-test');
    const key = await machineKey(region, systemId);
    const { index } = await maasScripts(region, key);
    await passCommissioningScripts(region, key, index);
    expect((await signal(region, key, { status: 'TESTING' })).statusCode).toBe(200);
    const [validate] = index['1.0'].testing_scripts;
    if (!validate) throw new Error('no default test');
    expect(validate.name).toBe('smartctl-validate');
    await runScript(region, key, validate, { exitStatus: 1, stderr: 'SMART FAILED\n' });
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);

    const expected = {
      status_name: 'Failed testing',
      current_commissioning_result_id: await currentSetId(systemId, 'current-commissioning'),
      current_testing_result_id: await currentSetId(systemId, 'current-testing'),
      current_installation_result_id: null,
      commissioning_status: 2,
      commissioning_status_name: 'Passed',
      testing_status: 3,
      testing_status_name: 'Failed',
      storage_test_status: 3,
      storage_test_status_name: 'Failed',
      // No test of the other kinds ran.
      cpu_test_status_name: 'Unknown',
      memory_test_status_name: 'Unknown',
      network_test_status_name: 'Unknown',
      interface_test_status_name: 'Unknown',
      other_test_status_name: 'Unknown',
    };
    expect(expected.current_commissioning_result_id).toBeGreaterThan(0);
    expect(expected.current_testing_result_id).toBeGreaterThan(expected.current_commissioning_result_id);
    expect(await machine(systemId)).toMatchObject(expected);
    expect(await listed('mss-failed-test')).toMatchObject(expected);
  });

  it('shows a commissioning still running as Running, its tests Pending', async () => {
    const { system_id: systemId } = await commissioningMachine(region, 'mss-running');
    const key = await machineKey(region, systemId);
    const { index } = await maasScripts(region, key);
    const [first] = index['1.0'].commissioning_scripts;
    if (!first) throw new Error('no scripts');
    const ids = { name: first.name, script_result_id: String(first.script_result_id) };
    expect((await signal(region, key, { status: 'WORKING', ...ids })).statusCode).toBe(200);
    expect(await machine(systemId)).toMatchObject({
      commissioning_status: 1,
      commissioning_status_name: 'Running',
      testing_status: 0,
      testing_status_name: 'Pending',
      storage_test_status_name: 'Pending',
    });
  });

  it('shows Unknown and no current results for a machine never commissioned', async () => {
    const { system_id: systemId } = await newMachine(region, 'mss-never');
    expect(await machine(systemId)).toMatchObject(unknown);
    expect(await listed('mss-never')).toMatchObject(unknown);
  });
});
