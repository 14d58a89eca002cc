import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { api, commissioningMachine, machineKey, signal } from './metadata-fixtures.js';

const region = useTestRegion();

interface ResultSet {
  id: number;
  type_name: string;
  results: { id: number; name: string }[];
}

async function setConfig(name: string, value: string) {
  const set = await region.request('POST', '/MAAS/api/2.0/maas/?op=set_config', {
    key: region.adminKey,
    form: { name, value },
  });
  expect(set.statusCode, set.body).toBe(200);
}

async function sets(systemId: string): Promise<ResultSet[]> {
  const response = await region.request('GET', `/MAAS/api/2.0/nodes/${systemId}/results/`, {
    key: region.adminKey,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ResultSet[]>();
}

/** Commissions the machine again and ends it Ready. */
async function recommission(systemId: string, form: Record<string, string> = {}) {
  const started = await region.request('POST', `${api}${systemId}/?op=commission`, {
    key: region.adminKey,
    form,
  });
  expect(started.statusCode, started.body).toBe(200);
  expect((await signal(region, await machineKey(region, systemId), { status: 'OK' })).statusCode).toBe(200);
}

describe('script result history', () => {
  it("keeps a machine's max_node_<type>_results newest results of each script, and drops emptied sets", async () => {
    await setConfig('max_node_commissioning_results', '2');
    await setConfig('max_node_testing_results', '2');
    try {
      const machine = await commissioningMachine(region, 'history-one');
      const other = await commissioningMachine(region, 'history-other');
      for (const m of [machine, other])
        expect(
          (await signal(region, await machineKey(region, m.system_id), { status: 'OK' })).statusCode,
        ).toBe(200);
      const first = await sets(machine.system_id);
      const commissioningOf = (all: ResultSet[]) => all.filter((s) => s.type_name === 'Commissioning');

      await recommission(machine.system_id);
      await recommission(machine.system_id);
      await recommission(machine.system_id);
      const after = await sets(machine.system_id);
      const kept = commissioningOf(after);
      expect(kept).toHaveLength(2);
      // The newest two, in order; the first ones are gone.
      expect(
        kept.map((s) => s.id).every((id) => id > Math.max(...commissioningOf(first).map((s) => s.id))),
      ).toBe(true);
      expect(kept[1]?.results.map((r) => r.name)).toEqual(
        commissioningOf(first)[0]?.results.map((r) => r.name),
      );
      expect(after.filter((s) => s.type_name === 'Testing')).toHaveLength(2);
      // Another machine's history is its own.
      expect(commissioningOf(await sets(other.system_id))).toHaveLength(1);
      // The current set is the newest one still.
      const current = await region.request(
        'GET',
        `/MAAS/api/2.0/nodes/${machine.system_id}/results/current-commissioning/`,
        { key: region.adminKey },
      );
      expect(current.json<ResultSet>().id).toBe(kept[1]?.id);
    } finally {
      await setConfig('max_node_commissioning_results', '10');
      await setConfig('max_node_testing_results', '10');
    }
  });

  it('does not pile up empty sets: commissioning without tests leaves only the current empty testing set', async () => {
    const machine = await commissioningMachine(region, 'history-no-tests');
    expect(
      (await signal(region, await machineKey(region, machine.system_id), { status: 'OK' })).statusCode,
    ).toBe(200);
    for (let i = 0; i < 3; i++) await recommission(machine.system_id, { testing_scripts: 'none' });
    const testing = (await sets(machine.system_id)).filter((s) => s.type_name === 'Testing');
    // The first commissioning's tests stay (the only results of those tests); of the three
    // empty sets after it, only the current one.
    expect(testing.map((s) => s.results.length)).toEqual([expect.any(Number) as unknown, 0]);
    expect(testing[0]?.results.length).toBeGreaterThan(0);
  });
});
