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

const admin = { viewer: { id: 1, is_superuser: true }, params: {} };
let fallbackPages = 0;

function workers(count = 2): MachinePageWorkers {
  const w = new MachinePageWorkers({
    databaseUrl: region.database.url,
    poolSize: 2,
    prepare: true,
    workers: count,
    logger,
    fallback: {
      render: async (ids, scope) => {
        fallbackPages++;
        return machinePageJson(await region.services.machines.page(ids, scope));
      },
      close: () => Promise.resolve(),
    },
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
    for await (const page of machineListPages(pool, ids, admin, 3, 7)) pages.push(text(page));
    expect(pages).toHaveLength(5);
    const inline = machinePageJson(await region.services.machines.views(ids));
    expect(JSON.parse(`[${pages.join(',')}]`)).toEqual(JSON.parse(`[${inline}]`));
  });

  it('leaves out machines deleted before their page is read', async () => {
    const ids = await machines(3);
    const gone = (await region.services.machines.views([ids[1] ?? 0]))[0]?.machine.system_id ?? '';
    await region.services.machines.delete(gone, 'admin');
    const page = JSON.parse(`[${text(await workers(1).render(ids, admin))}]`) as { system_id: string }[];
    expect(page.map((m) => m.system_id)).not.toContain(gone);
    expect(page).toHaveLength(2);
  });

  it('reads each page again as its viewer may see it and under its filters', async () => {
    const ids = await machines(3);
    const [, owned] = await region.services.machines.views(ids);
    const bob = await region.services.users.create({
      username: 'bob',
      email: 'bob@example.com',
      password: 'bob-password',
      isSuperuser: false,
    });
    await region.database.db
      .updateTable('machines')
      .set({ owner_id: bob.id, status: 10 })
      .where('id', '=', owned?.machine.id ?? 0)
      .execute();
    const pool = workers(1);
    const asAlice = JSON.parse(
      `[${text(await pool.render(ids, { viewer: { id: 2, is_superuser: false }, params: {} }))}]`,
    ) as { system_id: string }[];
    expect(asAlice.map((m) => m.system_id)).not.toContain(owned?.machine.system_id);
    expect(asAlice).toHaveLength(2);
    const allocatedOnly = JSON.parse(
      `[${text(await pool.render(ids, { ...admin, params: { status: ['allocated'] } }))}]`,
    ) as { system_id: string }[];
    expect(allocatedOnly.map((m) => m.system_id)).toEqual([owned?.machine.system_id]);
  });

  it('answers a failing page with its error and goes on with the others', async () => {
    const ids = await machines(2);
    const pool = workers(1);
    await expect(pool.render(ids, { ...admin, params: { mac_address: ['not-a-mac'] } })).rejects.toThrow(
      /Reading a page of machines failed/,
    );
    expect(JSON.parse(`[${text(await pool.render(ids, admin))}]`)).toHaveLength(2);
  });

  it('fails the pages of a worker that dies, serves pages on the event loop meanwhile, and restarts it', async () => {
    const ids = await machines(2);
    const pool = workers(1);
    const lanes = (pool as unknown as { lanes: { worker?: { terminate(): Promise<number> } }[] }).lanes;
    await pool.render(ids, admin); // started
    const pending = pool.render(ids, admin);
    await lanes[0]?.worker?.terminate();
    await expect(pending).rejects.toThrow(/worker stopped/);
    const before = fallbackPages;
    expect(JSON.parse(`[${text(await pool.render(ids, admin))}]`)).toHaveLength(2);
    expect(fallbackPages).toBe(before + 1);
    // Started again after its backoff; then pages go to it, not to the fallback.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const after = fallbackPages;
    expect(JSON.parse(`[${text(await pool.render(ids, admin))}]`)).toHaveLength(2);
    expect(fallbackPages).toBe(after);
  });

  it('refuses pages once closing, and closes its workers', async () => {
    const pool = workers(2);
    await pool.close();
    await expect(pool.render([1], admin)).rejects.toThrow(/stopping/);
  });
});
