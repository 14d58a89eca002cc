import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { createLogger } from '@ferrum/kit';
import type { PowerContext, PowerDriver, PowerParameters, PowerState } from '@ferrum/protocol';
import { manualDriver } from './manual-driver.js';
import { PowerRunner } from './power-runner.js';

// The runner's unit test drives in-memory drivers (the real drivers run the contract against
// real peers in their own tests, and the whole chain runs in apps/cli/test/e2e/power-ipmi.test.ts).

/** A chassis per power_address, switched after `delayMs`; records every step and the concurrency seen. */
function memoryDriver(
  options: { delayMs?: number; cycle?: boolean; pxe?: boolean; sticksOff?: boolean } = {},
) {
  const states = new Map<string, PowerState>();
  const steps: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const perBmc = new Map<string, number>();
  let maxPerBmc = 0;
  const step = async (name: string, params: PowerParameters, ctx: PowerContext, next?: PowerState) => {
    const bmc = params['power_address'] ?? '';
    inFlight += 1;
    perBmc.set(bmc, (perBmc.get(bmc) ?? 0) + 1);
    maxInFlight = Math.max(maxInFlight, inFlight);
    maxPerBmc = Math.max(maxPerBmc, perBmc.get(bmc) ?? 0);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      ctx.signal.throwIfAborted();
      steps.push(`${bmc} ${name}`);
      if (next && !(options.sticksOff && next === 'on')) states.set(bmc, next);
      return states.get(bmc) ?? 'off';
    } finally {
      inFlight -= 1;
      perBmc.set(bmc, (perBmc.get(bmc) ?? 1) - 1);
    }
  };
  const driver: PowerDriver = {
    name: 'memory',
    description: 'Memory',
    requiredTools: [],
    queryable: true,
    addressSetting: 'power_address',
    settings: [
      { name: 'power_address', label: 'Address', kind: 'string', required: true, secret: false },
      { name: 'power_pass', label: 'Password', kind: 'password', required: false, secret: true },
    ],
    on: async (p, ctx) => {
      await step('on', p, ctx, 'on');
    },
    off: async (p, ctx) => {
      await step(ctx.stopMode ? `off-${ctx.stopMode}` : 'off', p, ctx, 'off');
    },
    query: (p, ctx) => step('query', p, ctx),
    ...(options.cycle === false
      ? {}
      : {
          cycle: async (p: PowerParameters, ctx: PowerContext) => {
            await step('cycle', p, ctx, 'on');
          },
        }),
    ...(options.pxe === false
      ? {}
      : {
          setNextBootPxe: async (p: PowerParameters, ctx: PowerContext) => {
            await step('pxe', p, ctx);
          },
        }),
  };
  return { driver, steps, states, max: () => ({ inFlight: maxInFlight, perBmc: maxPerBmc }) };
}

function capturedLogger() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', pretty: false, destination: stream }), text: () => text };
}

const signal = () => new AbortController().signal;
const target = (address: string, extra: Record<string, string> = {}) => ({
  systemId: 'abc123',
  powerType: 'memory',
  parameters: { power_address: address, power_pass: 'hunter2-secret', ...extra },
});
const noWait = { sleep: () => Promise.resolve() };

describe(PowerRunner, () => {
  it('sets a one-time network boot, then powers on a machine that is off, and confirms it', async () => {
    const memory = memoryDriver();
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    const answer = await runner.change(
      { ...target('a'), action: 'on', pxe: true, cycleIfOn: true },
      signal(),
    );
    expect(answer).toEqual({ state: 'on' });
    expect(memory.steps).toEqual(['a pxe', 'a query', 'a on', 'a query']);
  });

  it('cycles a machine that is already on when asked to, and leaves it alone otherwise', async () => {
    const memory = memoryDriver();
    memory.states.set('a', 'on');
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    await runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal());
    expect(memory.steps).toEqual(['a query']);
    memory.steps.length = 0;
    await runner.change({ ...target('a'), action: 'on', pxe: true, cycleIfOn: true }, signal());
    expect(memory.steps).toEqual(['a pxe', 'a query', 'a cycle', 'a query']);
  });

  it('cycles by off then on when the driver has no cycle', async () => {
    const memory = memoryDriver({ cycle: false });
    memory.states.set('a', 'on');
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    await runner.change({ ...target('a'), action: 'cycle', pxe: false, cycleIfOn: false }, signal());
    expect(memory.steps).toEqual(['a off', 'a query', 'a on', 'a query']);
  });

  it('passes the stop mode to off', async () => {
    const memory = memoryDriver();
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    await runner.change(
      { ...target('a'), action: 'off', pxe: false, cycleIfOn: false, stopMode: 'soft' },
      signal(),
    );
    expect(memory.steps).toEqual(['a off-soft', 'a query']);
  });

  it('fails when the BMC never reports the state asked for', async () => {
    const memory = memoryDriver({ sticksOff: true });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      confirmTimeoutMs: 1000,
      ...noWait,
    });
    await expect(
      runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal()),
    ).rejects.toMatchObject({
      code: 'power_failed',
      message: 'The BMC still reports off 1 s after power on.',
    });
  });

  it('turns a driver call past its timeout into power_unreachable', async () => {
    const memory = memoryDriver({ delayMs: 200 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      callTimeoutMs: 50,
    });
    await expect(runner.query(target('a'), signal())).rejects.toMatchObject({ code: 'power_unreachable' });
  });

  it('refuses an unknown power type and bad parameters with field errors', async () => {
    const runner = new PowerRunner({ drivers: [manualDriver], logger: capturedLogger().logger });
    await expect(runner.query(target('a'), signal())).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: { power_type: ["This rack has no 'memory' power driver; it runs: manual."] } },
    });
    const memory = memoryDriver();
    const strict = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger });
    const error = await strict
      .query({ systemId: 'abc123', powerType: 'memory', parameters: { power_port: '1' } }, signal())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(Object.keys((error as AppError).details.fields ?? {}).sort()).toEqual([
      'power_parameters_power_address',
      'power_parameters_power_port',
    ]);
  });

  it('answers unknown for a type that cannot be asked', async () => {
    const runner = new PowerRunner({ drivers: [manualDriver], logger: capturedLogger().logger });
    expect(await runner.query({ systemId: 'abc123', powerType: 'manual', parameters: {} }, signal())).toEqual(
      {
        state: 'unknown',
      },
    );
    expect(
      await runner.change(
        { systemId: 'abc123', powerType: 'manual', parameters: {}, action: 'on', pxe: true, cycleIfOn: true },
        signal(),
      ),
    ).toEqual({ state: 'unknown' });
  });

  it('runs a thousand calls at once within the rack and BMC limits, all of them answered', async () => {
    const memory = memoryDriver({ delayMs: 1 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      maxConcurrent: 16,
      maxPerBmc: 2,
      ...noWait,
    });
    // 1,000 machines behind 50 BMCs (chassis of 20).
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => runner.query(target(`bmc-${String(i % 50)}`), signal())),
    );
    expect(answers).toHaveLength(1000);
    expect(memory.max().inFlight).toBe(16);
    expect(memory.max().perBmc).toBeLessThanOrEqual(2);
    expect(runner.load).toEqual({ running: 0, waiting: 0 });
  });

  it('keeps to the per-BMC limit on one busy chassis while other BMCs go on', async () => {
    const memory = memoryDriver({ delayMs: 5 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      maxConcurrent: 8,
      maxPerBmc: 2,
      ...noWait,
    });
    const chassis = Array.from({ length: 40 }, () => runner.query(target('chassis'), signal()));
    // Queued behind the chassis's 40 calls, another BMC still gets its turn at once.
    const started = performance.now();
    await runner.query(target('lone-bmc'), signal());
    const loneMs = performance.now() - started;
    await Promise.all(chassis);
    expect(memory.max().perBmc).toBe(2);
    expect(loneMs).toBeLessThan(60);
  });

  it('lets a waiting call leave the queue when its caller gives up', async () => {
    const memory = memoryDriver({ delayMs: 100 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      maxPerBmc: 1,
    });
    const first = runner.query(target('a'), signal());
    const giveUp = new AbortController();
    const second = runner.query(target('a'), giveUp.signal);
    giveUp.abort(new Error('region gave up'));
    await expect(second).rejects.toThrow('region gave up');
    await expect(first).resolves.toEqual({ state: 'off' });
    expect(memory.steps).toEqual(['a query']);
  });

  it('never logs a parameter value', async () => {
    const memory = memoryDriver();
    const log = capturedLogger();
    const runner = new PowerRunner({ drivers: [memory.driver], logger: log.logger, ...noWait });
    await runner.change({ ...target('10.0.0.1'), action: 'on', pxe: true, cycleIfOn: false }, signal());
    await runner.query({ ...target('10.0.0.1'), powerType: 'nope' }, signal()).catch(() => undefined);
    expect(log.text()).toContain('power work done');
    expect(log.text()).not.toContain('hunter2-secret');
  });
});
