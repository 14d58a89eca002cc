// power.change and power.query from a region to a rack, over the real WebSocket RPC on
// loopback: a running region (as `ferrum start --region-only` runs it, in this process) and the
// rack's own code (registerRack, startRack, its handler and PowerRunner), with the manual
// driver and a driver this test registers in the rack. Here because only the CLI's tests may
// import both the region and the rack (.dependency-cruiser.cjs); the same chain with ipmitool
// and ipmi_sim, through the MAAS API and separate processes, is test/e2e/power-ipmi.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { createLogger } from '@ferrum/kit';
import {
  RpcError,
  powerChange,
  powerDescribeTypes,
  powerQuery,
  rpcErrorCodes,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';
import { builtInKnowledge, loadRackConfig, registerRack, startRack, type RunningRack } from '@ferrum/rack';
import { powerDrivers } from '../../../rack/src/power/power-drivers.js';
import { powerErrorOf } from '../../../region/src/services/power-service.js';
import {
  e2eLogger,
  startListeningRegion,
  type ListeningRegion,
} from '../../../region/test/e2e/support/listening-region.js';

const RIGHT_PASS = 'right-pass-4f1c';
const WRONG_PASS = 'wrong-pass-9e2a';

/** A BMC kept by the test: one chassis per address; `hang` answers only when aborted. */
function testBmcDriver() {
  const chassis = new Map<string, PowerState>();
  const aborted: string[] = [];
  let hangStarted: () => void = () => undefined;
  const hanging = new Promise<void>((resolve) => (hangStarted = resolve));
  const act = async (params: PowerParameters, ctx: PowerContext, next?: PowerState): Promise<PowerState> => {
    ctx.signal.throwIfAborted();
    if (params['power_pass'] !== RIGHT_PASS)
      throw new AppError('power_auth_failed', 'The BMC refused the user name or password.');
    const address = params['power_address'] ?? '';
    if (address === 'hang') {
      hangStarted();
      await new Promise((_, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted.push(address);
          reject(ctx.signal.reason as Error);
        });
      });
    }
    if (next) chassis.set(address, next);
    return chassis.get(address) ?? 'off';
  };
  const driver: PowerDriver = {
    name: 'testbmc',
    description: 'Test BMC',
    requiredTools: [],
    queryable: true,
    addressSetting: 'power_address',
    settings: [
      { name: 'power_address', label: 'Address', kind: 'string', required: true, secret: false },
      { name: 'power_pass', label: 'Password', kind: 'password', required: false, secret: true },
    ],
    on: async (p, ctx) => {
      await act(p, ctx, 'on');
    },
    off: async (p, ctx) => {
      await act(p, ctx, 'off');
    },
    query: (p, ctx) => act(p, ctx),
  };
  return { driver, chassis, aborted, hanging };
}

let listening: ListeningRegion;
let dataDir: string;
let rack: RunningRack;
let systemId: string;
let rackLog = '';
const bmc = testBmcDriver();

beforeAll(async () => {
  listening = await startListeningRegion();
  dataDir = await mkdtemp(join(tmpdir(), 'ferrum-rack-power-'));
  const config = loadRackConfig({ FERRUM_DATA_DIR: dataDir, FERRUM_LOG_LEVEL: 'silent' });
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        rackLog += chunk.toString();
        done();
      },
    }),
  });
  const identity = await registerRack({
    config,
    urls: [listening.url],
    secret: await listening.region.services.racks.sharedSecret(),
    name: 'power-rack',
    version: '0.0.0-test',
    logger: e2eLogger(),
  });
  systemId = identity.systemId;
  rack = await startRack({
    config,
    version: '0.0.0-test',
    logger,
    knowledge: builtInKnowledge(join(dataDir, 'images'), logger, {
      drivers: [...powerDrivers(), bmc.driver],
    }),
  });
  await rack.link.connected(15_000);
}, 120_000);

afterAll(async () => {
  await rack.stop();
  await listening.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The region's call of `power.change` on the rack (the call PowerService makes). */
const change = (p: {
  powerType: string;
  parameters: Record<string, string>;
  action: 'on' | 'off' | 'cycle';
  pxe?: boolean;
}) =>
  listening.region.services.rackCaller.call(
    systemId,
    powerChange,
    { systemId: 'mach01', pxe: false, cycleIfOn: false, ...p },
    { deadlineMs: 10_000 },
  );
const query = (powerType: string, parameters: Record<string, string>) =>
  listening.region.services.rackCaller.call(
    systemId,
    powerQuery,
    { systemId: 'mach01', powerType, parameters },
    { deadlineMs: 10_000 },
  );
const failure = (pending: Promise<unknown>) =>
  pending.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error as RpcError,
  );

describe('power over the region⇄rack RPC', () => {
  it('lists the rack’s drivers, the test’s among them, and reports the power service', async () => {
    const { powerTypes } = await listening.region.services.rackCaller.call(
      systemId,
      powerDescribeTypes,
      {},
      {
        deadlineMs: 10_000,
      },
    );
    expect(powerTypes.map((t) => t.name)).toEqual([...powerDrivers().map((d) => d.name), 'testbmc']);
    // The rack reports its services after it connects, a moment after the handshake.
    const reported = async () => {
      const row = await listening.region.services.racks.get(systemId);
      return ((row?.services ?? []) as { name: string; status: string; info: string }[]).find(
        (s) => s.name === 'power',
      );
    };
    let power = await reported();
    for (const deadline = Date.now() + 10_000; !power && Date.now() < deadline; power = await reported())
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(power?.status).toBe('running');
    const names = [...powerDrivers().map((d) => d.name), 'testbmc'];
    expect(power?.info).toMatch(new RegExp(`^${String(names.length)} power types: ${names.join(', ')}; `));
  });

  it('switches a manual machine: nothing to do, the state unknown', async () => {
    expect(await change({ powerType: 'manual', parameters: {}, action: 'on', pxe: true })).toEqual({
      state: 'unknown',
    });
    expect(await query('manual', {})).toEqual({ state: 'unknown' });
  });

  it('switches a machine through the test’s driver and answers the state the BMC confirms', async () => {
    const params = { power_address: 'bmc-1', power_pass: RIGHT_PASS };
    expect(await change({ powerType: 'testbmc', parameters: params, action: 'on' })).toEqual({ state: 'on' });
    expect(bmc.chassis.get('bmc-1')).toBe('on');
    expect(await query('testbmc', params)).toEqual({ state: 'on' });
    expect(await change({ powerType: 'testbmc', parameters: params, action: 'cycle' })).toEqual({
      state: 'on',
    });
    expect(await change({ powerType: 'testbmc', parameters: params, action: 'off' })).toEqual({
      state: 'off',
    });
    expect(bmc.chassis.get('bmc-1')).toBe('off');
  });

  it('answers bad parameters as validation_failed with the field errors', async () => {
    const error = await failure(
      change({ powerType: 'testbmc', parameters: { power_port: '623' }, action: 'on' }),
    );
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe(rpcErrorCodes.applicationError);
    expect(error.data).toEqual({
      code: 'validation_failed',
      fields: {
        power_parameters_power_port: ["Unknown parameter for power type 'testbmc'."],
        power_parameters_power_address: ['This field is required.'],
      },
    });
    const unknown = await failure(query('nosuchtype', {}));
    expect(unknown.data).toEqual({
      code: 'validation_failed',
      fields: {
        power_type: [
          `This rack has no 'nosuchtype' power driver; it runs: ${[...powerDrivers().map((d) => d.name), 'testbmc'].sort().join(', ')}.`,
        ],
      },
    });
  });

  it('answers refused credentials as power_auth_failed with its message, which the region keeps', async () => {
    const error = await failure(
      change({
        powerType: 'testbmc',
        parameters: { power_address: 'bmc-2', power_pass: WRONG_PASS },
        action: 'on',
      }),
    );
    expect(error.code).toBe(rpcErrorCodes.applicationError);
    expect(error.data).toEqual({ code: 'power_auth_failed' });
    expect(error.message).toBe('The BMC refused the user name or password.');
    const asRegion = powerErrorOf(error, systemId);
    expect([asRegion.code, asRegion.message]).toEqual([
      'power_auth_failed',
      'The BMC refused the user name or password.',
    ]);
  });

  it('never puts a power password in the rack’s logs', () => {
    expect(rackLog).toContain('power work done');
    expect(rackLog).toContain('power work failed');
    expect(rackLog).not.toContain(RIGHT_PASS);
    expect(rackLog).not.toContain(WRONG_PASS);
  });

  // Last: the region drops the rack, which then waits long before it reconnects.
  it('aborts the driver when the connection closes under a call', async () => {
    const pending = failure(
      change({
        powerType: 'testbmc',
        parameters: { power_address: 'hang', power_pass: RIGHT_PASS },
        action: 'on',
      }),
    );
    await bmc.hanging;
    listening.region.services.rackCaller.drop(systemId, 'test closes the connection');
    expect((await pending).code).toBe(rpcErrorCodes.connectionClosed);
    for (let i = 0; i < 50 && bmc.aborted.length === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bmc.aborted).toEqual(['hang']);
  });
});
