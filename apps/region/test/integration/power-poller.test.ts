// The periodic power-state poll: every queryable machine once per interval, spread over the
// ticks, by the rack that reaches its BMC; an unexpected change raises an event; several region
// processes share the machines through the database. The racks are scripted RackCallers; the
// real rack answers power.query over the real RPC in apps/cli/test/e2e/power-ipmi.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { RpcError, rpcErrorCodes, type CompiledMethod } from '@ferrum/protocol';
import { createLogger } from '@ferrum/kit';
import { JobQueue } from '../../src/jobs/job-queue.js';
import { PowerPoller } from '../../src/jobs/power-poller.js';
import { POWER_QUEUE, type PowerJob } from '../../src/services/power-service.js';
import { createServices, type Services } from '../../src/services/services.js';
import type { RackCaller } from '../../src/services/rack-caller.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testSecrets } from '../support/test-secrets.js';

interface Call {
  readonly rack: string;
  readonly systemId: string;
}

let database: TestDatabase;
let services: Services;
const calls: Call[] = [];
let answer: (call: Call) => unknown = () => ({ state: 'off' });
let local = ['rackaa', 'rackbb'];

const caller: RackCaller = {
  connectedIds: () => local,
  drop: () => undefined,
  callAll: () => Promise.resolve([]),
  call: async (rack, method: CompiledMethod, params) => {
    expect(method.name).toBe('power.query');
    const call = { rack, systemId: (params as { systemId: string }).systemId };
    calls.push(call);
    // A rack takes a moment: polls of one tick overlap, as they do for real.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return answer(call);
  },
};

const logger = createLogger({ level: 'silent', pretty: false });
let seq = 0;

async function machine(
  powerType: 'ipmi' | 'manual' | 'wakeonlan',
  address = '10.1.0.9',
  status: 'NEW' | 'COMMISSIONING' = 'NEW',
): Promise<string> {
  seq += 1;
  const powerParameters =
    powerType === 'ipmi'
      ? { power_address: address, power_user: 'admin', power_pass: 'pw' }
      : powerType === 'wakeonlan'
        ? { mac_address: `52:54:00:bb:00:${seq.toString(16).padStart(2, '0')}` }
        : {};
  const created = await services.machines.create(
    {
      architecture: 'amd64',
      macAddresses: [
        `52:54:00:cc:${(seq >> 8).toString(16).padStart(2, '0')}:${(seq & 255).toString(16).padStart(2, '0')}`,
      ],
      hostname: `poll-${String(seq)}`,
      powerType,
      powerParameters,
    },
    { status, actor: 'admin' },
  );
  return created.machine.system_id;
}

const poller = (intervalMs = 60_000, tickMs = 10_000) =>
  new PowerPoller({
    db: database.db,
    power: services.power,
    types: services.powerTypes,
    racks: caller,
    logger,
    intervalMs,
    tickMs,
  });

const eventsOf = (systemId: string) =>
  database.db
    .selectFrom('events')
    .select(['type', 'description'])
    .where('node_system_id', '=', systemId)
    .orderBy('id')
    .execute();

const stateOf = async (systemId: string) =>
  (
    await database.db
      .selectFrom('machines')
      .select('power_state')
      .where('system_id', '=', systemId)
      .executeTakeFirstOrThrow()
  ).power_state;

beforeAll(async () => {
  database = await createTestDatabase();
  services = createServices({ db: database.db, secrets: testSecrets(), rackCaller: caller });
  const rack = (system_id: string, hostname: string, address: string) => ({
    system_id,
    hostname,
    credential_sealed: 'x',
    interfaces: JSON.stringify([{ name: 'eth0', mac: '52:54:00:00:00:01', addresses: [address] }]),
    connected_since: new Date(),
  });
  await database.db
    .insertInto('rack_controllers')
    .values([
      rack('rackaa', 'rack-a', '10.1.0.2/24'),
      rack('rackbb', 'rack-b', '10.2.0.2/24'),
      // Connected to another region process: this one cannot call it.
      rack('rackee', 'rack-e', '10.5.0.2/24'),
    ])
    .execute();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  await sql`DELETE FROM machines`.execute(database.db);
  calls.length = 0;
  answer = () => ({ state: 'off' });
  local = ['rackaa', 'rackbb'];
});

describe(PowerPoller, () => {
  it('polls each queryable machine once per interval, its share at each tick, never a manual one', async () => {
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await machine('ipmi', i % 2 === 0 ? '10.1.0.9' : '10.2.0.9'));
    await machine('manual');
    await machine('wakeonlan');
    const p = poller(60_000, 10_000);
    // 12 machines over 6 ticks: 2 a tick.
    for (let tick = 0; tick < 6; tick++) expect((await p.tick()).claimed).toBe(2);
    expect(calls.map((c) => c.systemId).sort()).toEqual([...ids].sort());
    // Each went to the rack on its BMC's subnet.
    for (const call of calls) {
      const row = await services.machines.row(call.systemId);
      expect(call.rack).toBe(row.power_parameters['power_address'] === '10.1.0.9' ? 'rackaa' : 'rackbb');
    }
    // Nothing is due again before the interval has passed.
    expect((await p.tick()).claimed).toBe(0);
    expect(calls).toHaveLength(12);
    for (const id of ids) expect(await stateOf(id)).toBe('off');
  });

  it('polls a machine again once the interval has passed', async () => {
    const id = await machine('ipmi');
    const p = poller(60_000, 60_000);
    await p.tick();
    await sql`UPDATE machines SET power_state_polled = now() - interval '61 seconds'`.execute(database.db);
    await p.tick();
    expect(calls.map((c) => c.systemId)).toEqual([id, id]);
  });

  it('raises an event when a machine in a settled status changes power by itself', async () => {
    const id = await machine('ipmi');
    const p = poller(60_000, 60_000);
    await p.tick();
    expect(await stateOf(id)).toBe('off');
    answer = () => ({ state: 'on' });
    await sql`UPDATE machines SET power_state_polled = NULL`.execute(database.db);
    await p.tick();
    expect(await stateOf(id)).toBe('on');
    const changed = (await eventsOf(id)).filter((e) => e.type === 'Power state changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.description).toMatch(/Found powered on by rack rack-a; Ferrum last knew it off/);
  });

  it('raises no event for a change while power work for the machine is queued', async () => {
    const id = await machine('ipmi');
    await database.db
      .updateTable('machines')
      .set({ power_state: 'off' })
      .where('system_id', '=', id)
      .execute();
    // The real job queue, with no worker: the power-on waits in it.
    const jobs = new JobQueue({ pool: database.pool, logger });
    await jobs.start();
    try {
      await jobs.defineQueue(POWER_QUEUE);
      await jobs.send(POWER_QUEUE, { systemId: id, work: 'on' } satisfies PowerJob);
      answer = () => ({ state: 'on' });
      await poller(60_000, 60_000).tick();
      expect(await stateOf(id)).toBe('on');
      expect((await eventsOf(id)).filter((e) => e.type === 'Power state changed')).toEqual([]);
    } finally {
      await jobs.stop({ timeoutMs: 2000 });
    }
  });

  it('raises no event when power work switched the machine while the query waited for the BMC', async () => {
    const id = await machine('ipmi');
    await database.db
      .updateTable('machines')
      .set({ power_state: 'off' })
      .where('system_id', '=', id)
      .execute();
    answer = async () => {
      // A power-on finishes (and stores its state) while the poll waits for the BMC's turn.
      await database.db
        .updateTable('machines')
        .set({ power_state: 'on', power_state_updated: new Date() })
        .where('system_id', '=', id)
        .execute();
      return { state: 'on' };
    };
    await poller(60_000, 60_000).tick();
    expect(await stateOf(id)).toBe('on');
    expect((await eventsOf(id)).filter((e) => e.type === 'Power state changed')).toEqual([]);
  });

  it('raises no event for a machine whose own work switches it (commissioning)', async () => {
    const id = await machine('ipmi', '10.1.0.9', 'COMMISSIONING');
    await database.db
      .updateTable('machines')
      .set({ power_state: 'off' })
      .where('system_id', '=', id)
      .execute();
    answer = () => ({ state: 'on' });
    await poller(60_000, 60_000).tick();
    expect(await stateOf(id)).toBe('on');
    expect((await eventsOf(id)).filter((e) => e.type === 'Power state changed')).toEqual([]);
  });

  it('records a failed query as error, with one event however often it fails', async () => {
    const id = await machine('ipmi');
    answer = () => {
      throw new RpcError(rpcErrorCodes.applicationError, 'BMC 10.1.0.9 did not answer', {
        code: 'power_unreachable',
      });
    };
    const p = poller(60_000, 60_000);
    expect(await p.tick()).toMatchObject({ claimed: 1, failed: 1 });
    await sql`UPDATE machines SET power_state_polled = NULL`.execute(database.db);
    await p.tick();
    expect(calls).toHaveLength(2);
    expect(await stateOf(id)).toBe('error');
    const failures = (await eventsOf(id)).filter((e) => e.type === "Failed to query node's BMC");
    expect(failures).toHaveLength(1);
    expect(failures[0]?.description).toContain('BMC 10.1.0.9 did not answer (rack rack-a)');
  });

  it('leaves a machine whose best rack another region process holds to that process', async () => {
    const id = await machine('ipmi', '10.5.0.9');
    const p = poller(60_000, 60_000);
    expect(await p.tick()).toMatchObject({ claimed: 1, elsewhere: 1 });
    expect(calls).toEqual([]);
    // Handed back: due again, for the process holding rack-e.
    local = ['rackee'];
    await p.tick();
    expect(calls).toEqual([{ rack: 'rackee', systemId: id }]);
  });

  it('does nothing in a region process that holds no rack', async () => {
    await machine('ipmi');
    local = [];
    expect(await poller().tick()).toMatchObject({ claimed: 0 });
    expect(calls).toEqual([]);
  });

  it('shares the machines between region processes polling at once: each machine once', async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await machine('ipmi'));
    // Shares of 20 each: the two ticks run together and skip each other's claimed rows.
    const [a, b] = await Promise.all([poller(60_000, 30_000).tick(), poller(60_000, 30_000).tick()]);
    expect(a.claimed + b.claimed).toBe(40);
    expect(new Set(calls.map((c) => c.systemId)).size).toBe(40);
    expect(calls).toHaveLength(40);
  });
});
