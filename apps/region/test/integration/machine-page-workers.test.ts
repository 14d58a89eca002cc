import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { useTestRegion } from '../support/test-region.js';
import { MachinePageWorkers } from '../../src/http/maas/machine-page-workers.js';
import { machineListPages, machinePageJson } from '../../src/http/maas/machine-pages.js';

const region = useTestRegion();
const logger = createLogger({ level: 'silent', pretty: false });
const started: MachinePageWorkers[] = [];
afterAll(async () => {
  await Promise.all(started.map((w) => w.close()));
});

function workers(count = 2): MachinePageWorkers {
  const w = new MachinePageWorkers({
    databaseUrl: region.database.url,
    poolSize: 2,
    prepare: true,
    workers: count,
    logger,
  });
  started.push(w);
  return w;
}

let created = 0;
async function machines(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = created++;
    const hex = n.toString(16).padStart(4, '0');
    const view = await region.services.machines.create(
      {
        hostname: `worker-${String(n)}`,
        architecture: 'amd64/generic',
        macAddresses: [`52:54:03:00:${hex.slice(0, 2)}:${hex.slice(2)}`],
        powerType: 'manual',
      },
      { status: 'NEW', actor: 'admin' },
    );
    ids.push(view.machine.id);
  }
  return ids;
}

const text = (page: string | Uint8Array) =>
  typeof page === 'string' ? page : new TextDecoder().decode(page);

describe(MachinePageWorkers, () => {
  it('serialises pages on worker threads exactly as this thread does, in order', async () => {
    const ids = await machines(30);
    await region.services.machines.setHardware(
      (await region.services.machines.views(ids.slice(3, 4)))[0]?.machine.system_id ?? '',
      { cpuCount: 4, memory: 2048, blockDevices: [{ name: 'sda', size: 1e11 }] },
    );
    const pool = workers();
    const pages: string[] = [];
    for await (const page of machineListPages(pool, ids, 3, 7)) pages.push(text(page));
    expect(pages).toHaveLength(5);
    const inline = machinePageJson(await region.services.machines.views(ids));
    expect(JSON.parse(`[${pages.join(',')}]`)).toEqual(JSON.parse(`[${inline}]`));
  });

  it('leaves out machines deleted before their page is read', async () => {
    const ids = await machines(3);
    const gone = (await region.services.machines.views([ids[1] ?? 0]))[0]?.machine.system_id ?? '';
    await region.services.machines.delete(gone, 'admin');
    const page = JSON.parse(`[${text(await workers(1).render(ids))}]`) as { system_id: string }[];
    expect(page.map((m) => m.system_id)).not.toContain(gone);
    expect(page).toHaveLength(2);
  });

  it('fails the pages of a worker that dies, and replaces the worker', async () => {
    const ids = await machines(2);
    const pool = workers(1);
    const lanes = (pool as unknown as { lanes: { worker: { terminate(): Promise<number> } }[] }).lanes;
    const pending = pool.render(ids);
    await lanes[0]?.worker.terminate();
    await expect(pending).rejects.toThrow(/worker stopped/);
    // The replacement answers.
    const again = JSON.parse(`[${text(await pool.render(ids))}]`) as unknown[];
    expect(again).toHaveLength(2);
  });

  it('refuses pages once closing, and closes its workers', async () => {
    const pool = workers(2);
    await pool.close();
    await expect(pool.render([1])).rejects.toThrow(/stopping/);
  });
});
