import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthHeader } from '../support/oauth.js';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';

// A real region, as `ferrum start` runs it, lists more machines than one page: the pages after
// the first are read and serialised on its worker threads (compiled code, a pool of their own).
const COUNT = 777;
let listening: ListeningRegion;

beforeAll(async () => {
  listening = await startListeningRegion();
  const db = listening.database.db;
  const ids = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('domains').select('id').where('is_default', '=', true).as('domain'),
      eb.selectFrom('zones').select('id').where('name', '=', 'default').as('zone'),
      eb.selectFrom('resource_pools').select('id').where('name', '=', 'default').as('pool'),
    ])
    .executeTakeFirstOrThrow();
  const machines = await db
    .insertInto('machines')
    .values(
      Array.from({ length: COUNT }, (_, n) => ({
        system_id: `wk${String(n).padStart(4, '0')}`,
        hostname: `listed-${String(n).padStart(4, '0')}`,
        domain_id: ids.domain ?? 0,
        zone_id: ids.zone ?? 0,
        pool_id: ids.pool ?? 0,
        status: 4,
        architecture: 'amd64/generic',
      })),
    )
    .returning(['id'])
    .execute();
  await db
    .insertInto('block_devices')
    .values(machines.map((m) => ({ machine_id: m.id, name: 'sda', size: 1e11 + m.id })))
    .execute();
}, 120_000);

afterAll(async () => {
  await listening.close();
});

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(`api/2.0/${path}`, listening.url), {
    headers: { authorization: oauthHeader(listening.adminKey) },
  });
  return { status: response.status, body: await response.text() };
}

describe('GET machines/ of a running region', () => {
  it('lists every machine once, in order, the worker pages equal to single reads', async () => {
    const { status, body } = await get('machines/');
    expect(status).toBe(200);
    const listed = JSON.parse(body) as { system_id: string; blockdevice_set: { size: number }[] }[];
    expect(listed.map((m) => m.system_id)).toEqual(
      Array.from({ length: COUNT }, (_, n) => `wk${String(n).padStart(4, '0')}`),
    );
    for (const index of [0, 249, 250, 500, COUNT - 1]) {
      const one = await get(`machines/${listed[index]?.system_id ?? ''}/`);
      expect(listed[index]).toEqual(JSON.parse(one.body));
    }
  });

  it('filters long lists too', async () => {
    const { body } = await get('machines/?status=ready&hostname=listed-0700&hostname=listed-0001');
    expect((JSON.parse(body) as { hostname: string }[]).map((m) => m.hostname)).toEqual([
      'listed-0001',
      'listed-0700',
    ]);
  });
});
