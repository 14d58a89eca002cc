// Power work in the region: routed to a rack that reaches the BMC, retried by error class, an
// event per attempt, the failed status after the last, and query_power_state's answers. The racks
// here are scripted RackCallers (what each rack answers is the test's); the real rack answers over
// the real RPC in apps/cli/test/e2e/power-ipmi.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { RpcError, rpcErrorCodes, type CompiledMethod } from '@ferrum/protocol';
import { createServices, type Services } from '../../src/services/services.js';
import type { RackCaller } from '../../src/services/rack-caller.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testSecrets } from '../support/test-secrets.js';

interface Call {
  readonly rack: string;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** Racks whose answers the test scripts; every call is recorded. */
function scriptedRacks(ids: string[]) {
  const calls: Call[] = [];
  let answer: (call: Call) => unknown = () => ({ state: 'on' });
  const caller: RackCaller = {
    connectedIds: () => ids,
    drop: () => undefined,
    callAll: () => Promise.resolve([]),
    call: (rack, method: CompiledMethod, params) => {
      const call = { rack, method: method.name, params: params as Record<string, unknown> };
      calls.push(call);
      try {
        return Promise.resolve(answer(call));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
  return {
    caller,
    calls,
    answer: (f: (call: Call) => unknown) => {
      answer = f;
    },
  };
}

const appFailure = (code: string, message: string) =>
  new RpcError(rpcErrorCodes.applicationError, message, { code });

let database: TestDatabase;
let services: Services;
const secrets = testSecrets();
const racks = scriptedRacks(['rackaa', 'rackbb', 'rackcc']);
let admin: Awaited<ReturnType<Services['users']['create']>>;
let seq = 0;

async function ipmiMachine(address: string, status: 'NEW' | 'COMMISSIONING' = 'NEW') {
  seq += 1;
  const created = await services.machines.create(
    {
      architecture: 'amd64',
      macAddresses: [`52:54:00:aa:00:${seq.toString(16).padStart(2, '0')}`],
      hostname: `pw-${String(seq)}`,
      powerType: 'ipmi',
      powerParameters: { power_address: address, power_user: 'admin', power_pass: 'sekrit-pw' },
    },
    { status, actor: 'admin' },
  );
  return created.machine.system_id;
}

const eventsOf = (systemId: string) =>
  database.db
    .selectFrom('events')
    .select(['type', 'description'])
    .where('node_system_id', '=', systemId)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  database = await createTestDatabase();
  services = createServices({ db: database.db, secrets, rackCaller: racks.caller });
  admin = await services.users.create({
    username: 'admin',
    email: 'admin@example.com',
    password: 'admin-pass',
    isSuperuser: true,
  });
  const rack = (system_id: string, hostname: string, addresses: string[], connected = true) => ({
    system_id,
    hostname,
    credential_sealed: 'x',
    interfaces: JSON.stringify([{ name: 'eth0', mac: '52:54:00:00:00:01', addresses }]),
    connected_since: connected ? new Date() : null,
  });
  await database.db
    .insertInto('rack_controllers')
    .values([
      rack('rackaa', 'rack-a', ['10.1.0.2/24']),
      rack('rackbb', 'rack-b', ['10.2.0.2/24', 'fd00:2::2/64']),
      rack('rackcc', 'rack-c', ['192.168.9.2/24']),
      rack('rackdd', 'rack-d', ['10.9.0.2/24'], false),
    ])
    .execute();
});
afterAll(async () => {
  await database.drop();
});
beforeEach(() => {
  racks.calls.length = 0;
  racks.answer(() => ({ state: 'on' }));
});

describe('power routing', () => {
  it.each([
    ['an IP on its subnet', '10.2.0.77', 'rackbb'],
    ['an address with a port', '10.1.0.9:623', 'rackaa'],
    ['a bracketed IPv6 address with a port', '[fd00:2::99]:623', 'rackbb'],
    ['a URL', 'https://10.1.0.50/redfish/v1/', 'rackaa'],
  ])('sends work for a BMC at %s to the rack on its subnet', async (_what, address, rack) => {
    const id = await ipmiMachine(address);
    expect(await services.power.query(await services.machines.row(id))).toBe('on');
    expect(racks.calls.map((c) => [c.rack, c.method])).toEqual([[rack, 'power.query']]);
    // The rack gets the opened secret: it must log in.
    expect(racks.calls[0]?.params['parameters']).toMatchObject({ power_pass: 'sekrit-pw' });
  });

  it('sends work for a BMC no rack is on the subnet of to a connected rack, never a disconnected one', async () => {
    const id = await ipmiMachine('10.9.0.5');
    await services.power.query(await services.machines.row(id));
    expect(['rackaa', 'rackbb', 'rackcc']).toContain(racks.calls[0]?.rack);
    // The same machine goes to the same rack every time.
    await services.power.query(await services.machines.row(id));
    expect(racks.calls[1]?.rack).toBe(racks.calls[0]?.rack);
  });
});

describe('power work', () => {
  it('cycles with a one-time network boot for commissioning, and records the state', async () => {
    const id = await ipmiMachine('10.1.0.10');
    await services.lifecycle.act(id, 'commission', admin);
    expect(racks.calls).toMatchObject([
      { rack: 'rackaa', method: 'power.change', params: { action: 'on', pxe: true, cycleIfOn: true } },
    ]);
    const row = await services.machines.row(id);
    expect(row.power_state).toBe('on');
    expect((await eventsOf(id)).map((e) => e.type)).toContain('Power cycling');
  });

  it('does not retry an authentication failure, and fails commissioning with its message', async () => {
    racks.answer(() => {
      throw appFailure('power_auth_failed', 'The BMC refused the password of user admin.');
    });
    const id = await ipmiMachine('10.1.0.11');
    await services.lifecycle.act(id, 'commission', admin);
    await expect(services.power.run(id, 'cycle', { number: 1, of: 3 })).resolves.toBeUndefined(); // never rejected: no retry for the job queue to make
    const row = await services.machines.row(id);
    expect(row.status).toBe(2); // Failed commissioning
    expect(row.power_state).toBe('error');
    expect(row.error_description).toMatch(/Failed to power cycle: The BMC refused the password/);
    const events = await eventsOf(id);
    expect(events.filter((e) => e.type === 'Failed to power cycle node')[0]?.description).toMatch(
      /refused the password.*rack rack-a/,
    );
    expect(JSON.stringify(events)).not.toContain('sekrit-pw');
  });

  it('retries an unreachable BMC until the last attempt, with an event for each', async () => {
    racks.answer(() => {
      throw appFailure('power_unreachable', 'The BMC did not answer within 60 s.');
    });
    const id = await ipmiMachine('10.1.0.12');
    await services.lifecycle.act(id, 'commission', admin); // no queue: one attempt, at once
    racks.calls.length = 0;
    await database.db.updateTable('machines').set({ status: 1 }).where('system_id', '=', id).execute();
    await expect(services.power.run(id, 'cycle', { number: 1, of: 3 })).rejects.toMatchObject({
      code: 'power_unreachable',
    });
    await expect(services.power.run(id, 'cycle', { number: 2, of: 3 })).rejects.toBeInstanceOf(AppError);
    await services.power.run(id, 'cycle', { number: 3, of: 3 });
    expect(racks.calls).toHaveLength(3);
    const failures = (await eventsOf(id)).filter((e) => e.type === 'Failed to power cycle node');
    expect(failures.map((e) => e.description).slice(-3)).toEqual([
      'The BMC did not answer within 60 s. (rack rack-a), attempt 1 of 3; trying again.',
      'The BMC did not answer within 60 s. (rack rack-a), attempt 2 of 3; trying again.',
      'The BMC did not answer within 60 s. (rack rack-a), attempt 3 of 3.',
    ]);
    expect((await services.machines.row(id)).status).toBe(2);
  });

  it('treats a rack that does not answer as retryable', async () => {
    racks.answer(() => {
      throw new RpcError(rpcErrorCodes.connectionClosed, 'the connection closed');
    });
    const id = await ipmiMachine('10.1.0.13');
    await expect(services.power.run(id, 'on', { number: 1, of: 3 })).rejects.toMatchObject({
      code: 'rack_unavailable',
    });
  });

  it('completes a release once the rack confirms the machine is off', async () => {
    racks.answer(() => ({ state: 'off' }));
    const id = await ipmiMachine('10.1.0.14');
    // Deployed to admin (deploying needs a rack's OS list, which these scripted racks lack).
    await database.db
      .updateTable('machines')
      .set({ status: 6, owner_id: admin.id })
      .where('system_id', '=', id)
      .execute();
    const released = await services.lifecycle.act(id, 'release', admin);
    expect(released.machine.status).toBe(4); // Ready: power confirmed off at once (no queue)
    expect(racks.calls.at(-1)).toMatchObject({
      method: 'power.change',
      params: { action: 'off', pxe: false },
    });
  });
});

describe('power types that switch machines on only', () => {
  it('releases a Wake-on-LAN machine without asking a rack to switch it off, and says so', async () => {
    seq += 1;
    const created = await services.machines.create(
      {
        architecture: 'amd64',
        macAddresses: [`52:54:00:aa:01:${seq.toString(16).padStart(2, '0')}`],
        hostname: `wol-${String(seq)}`,
        powerType: 'wakeonlan',
        powerParameters: { mac_address: '52:54:00:aa:01:01' },
      },
      { status: 'NEW', actor: 'admin' },
    );
    const id = created.machine.system_id;
    await database.db
      .updateTable('machines')
      .set({ status: 6, owner_id: admin.id })
      .where('system_id', '=', id)
      .execute();
    const released = await services.lifecycle.act(id, 'release', admin);
    expect(released.machine.status).toBe(4); // Ready
    expect(racks.calls).toEqual([]);
    const events = await eventsOf(id);
    expect(events.map((e) => e.description).join('\n')).toMatch(
      /Wake-on-LAN cannot switch a machine off: switch wol-\d+ off by hand/,
    );
  });
});

describe('query_power_state', () => {
  it('answers the error of the rack with its code, and records an event', async () => {
    racks.answer(() => {
      throw appFailure('power_auth_failed', 'The BMC refused the password of user admin.');
    });
    const id = await ipmiMachine('10.2.0.20');
    await expect(services.power.query(await services.machines.row(id))).rejects.toMatchObject({
      code: 'power_auth_failed',
      message: 'The BMC refused the password of user admin.',
    });
    expect((await eventsOf(id)).map((e) => e.type)).toContain("Failed to query node's BMC");
  });

  it('answers rack_unavailable with Retry-After when no rack is connected', async () => {
    const lonely = createServices({
      db: database.db,
      secrets,
      rackCaller: scriptedRacks([]).caller,
    });
    const id = await ipmiMachine('10.2.0.21');
    await expect(lonely.power.query(await lonely.machines.row(id))).rejects.toMatchObject({
      code: 'rack_unavailable',
      details: { retryAfterSeconds: 10 },
    });
  });

  it('answers unknown for a manual machine without asking a rack', async () => {
    const created = await services.machines.create(
      { architecture: 'amd64', macAddresses: ['52:54:00:bb:00:01'], powerType: 'manual' },
      { status: 'NEW', actor: 'admin' },
    );
    expect(await services.power.query(await services.machines.row(created.machine.system_id))).toBe(
      'unknown',
    );
    expect(racks.calls).toEqual([]);
  });
});
