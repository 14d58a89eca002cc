import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  commissioningMachine,
  machineKey,
  maasScripts,
  runScript,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();

interface ResultJson {
  name: string;
  status_name: string;
  ended: string | null;
}

/** A commissioning machine whose first script passed and whose second is running. */
async function halfway(hostname: string) {
  const machine = await commissioningMachine(region, hostname);
  const key = await machineKey(region, machine.system_id);
  const { index } = await maasScripts(region, key);
  const [first, second] = index['1.0'].commissioning_scripts;
  if (!first || !second) throw new Error('no scripts');
  await runScript(region, key, first, { exitStatus: 0 });
  const started = await signal(region, key, {
    status: 'WORKING',
    name: second.name,
    script_result_id: String(second.script_result_id),
  });
  expect(started.statusCode, started.body).toBe(200);
  return { machine, key, first: first.name, second: second.name };
}

async function results(systemId: string): Promise<Map<string, ResultJson>> {
  const response = await region.request(
    'GET',
    `/MAAS/api/2.0/nodes/${systemId}/results/current-commissioning/`,
    {
      key: region.adminKey,
    },
  );
  expect(response.statusCode, response.body).toBe(200);
  return new Map(response.json<{ results: ResultJson[] }>().results.map((r) => [r.name, r]));
}

describe('results of an operation that ends unfinished', () => {
  it('aborts the running and pending results when commissioning is aborted, and keeps the finished', async () => {
    const { machine, first, second } = await halfway('end-abort');
    const aborted = await region.request('POST', `${api}${machine.system_id}/?op=abort`, {
      key: region.adminKey,
    });
    expect(aborted.statusCode, aborted.body).toBe(200);
    const after = await results(machine.system_id);
    expect(after.get(first)?.status_name).toBe('Passed');
    expect(after.get(second)?.status_name).toBe('Aborted');
    expect(after.get(second)?.ended).not.toBeNull();
    const open = [...after.values()].filter((r) => ['Pending', 'Running'].includes(r.status_name));
    expect(open).toEqual([]);
  });

  it('marks them timed out when the machine outlasts its timeout', async () => {
    const { machine, first, second } = await halfway('end-timeout');
    await sql`UPDATE machines SET status_expires = now() - interval '1 minute' WHERE system_id = ${machine.system_id}`.execute(
      region.database.db,
    );
    expect(await region.services.lifecycle.failOverdue()).toEqual([machine.system_id]);
    const after = await results(machine.system_id);
    expect(after.get(first)?.status_name).toBe('Passed');
    expect(after.get(second)?.status_name).toBe('Timed out');
    expect([...after.values()].filter((r) => r.status_name === 'Pending')).toEqual([]);
  });

  it('aborts the scripts never reached when the machine signals failure', async () => {
    const { machine, key, first, second } = await halfway('end-failed');
    expect((await signal(region, key, { status: 'FAILED', error: 'disk on fire' })).statusCode).toBe(200);
    const after = await results(machine.system_id);
    expect(after.get(first)?.status_name).toBe('Passed');
    expect(after.get(second)?.status_name).toBe('Aborted');
    expect([...after.values()].filter((r) => r.status_name === 'Pending')).toEqual([]);
  });
});
