import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();
const machines = '/MAAS/api/2.0/machines/';

interface Machine {
  system_id: string;
  hostname: string;
}

function create(mac: string) {
  return region.request('POST', machines, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: mac, power_type: 'manual' },
  });
}

describe('POST machines/ with one MAC address at once', () => {
  it('creates one machine and answers 400 naming mac_addresses to every other create', async () => {
    // Several rounds: the pre-check misses the MAC only when the inserts interleave.
    for (let round = 0; round < 5; round++) {
      const mac = `52:54:02:00:00:${round.toString(16).padStart(2, '0')}`;
      const responses = await Promise.all(Array.from({ length: 20 }, () => create(mac)));
      const statuses = responses.map((r) => r.statusCode);
      const created = responses.filter((r) => r.statusCode === 200);
      expect(created, statuses.join(' ')).toHaveLength(1);
      const winner = created[0]?.json<Machine>();
      const refused = responses.filter((r) => r.statusCode !== 200);
      expect(refused).toHaveLength(19);
      for (const response of refused) {
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json()).toEqual({
          mac_addresses: [`MAC address ${mac} already in use on ${winner?.hostname ?? '?'}.`],
        });
      }
      const listed = await region.request('GET', `${machines}?mac_address=${mac}`, { key: region.adminKey });
      expect(listed.json<Machine[]>().map((m) => m.system_id)).toEqual([winner?.system_id]);
    }
  }, 60_000);
});
