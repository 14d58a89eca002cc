import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '@ferrum/domain';
import { createLogger } from '@ferrum/kit';
import type { PowerContext, PowerDriver, PowerParameters, PowerState } from '@ferrum/protocol';
import { manualDriver } from './manual-driver.js';
import { runPowerDriverContract } from './power-driver-contract.js';
import { PowerDriverRegistry } from './power-driver-registry.js';
import { PowerRunner } from './power-runner.js';

// The runner's unit test drives in-memory drivers (the real drivers run the contract against
// real peers in their own tests, and the whole chain runs in apps/cli/test/e2e/power-ipmi.test.ts).

/** A chassis per power_address, switched after `delayMs`; records every step and the concurrency seen. */
function memoryDriver(
  options: {
    delayMs?: number;
    cycle?: boolean;
    pxe?: boolean | 'fails';
    sticksOff?: boolean;
    /** Throws this from on. */
    onThrows?: Error;
    /** Reports the old state this many queries after a change. */
    lagQueries?: number;
    /** A power_pass the chassis refuses (power_auth_failed). */
    refusedPassword?: string;
  } = {},
) {
  const states = new Map<string, PowerState>();
  const steps: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const perBmc = new Map<string, number>();
  const lag = new Map<string, number>();
  let maxPerBmc = 0;
  const step = async (name: string, params: PowerParameters, ctx: PowerContext, next?: PowerState) => {
    const bmc = params['power_address'] ?? '';
    if (options.refusedPassword !== undefined && params['power_pass'] === options.refusedPassword)
      throw new AppError('power_auth_failed', 'The BMC refused the user name or password.');
    inFlight += 1;
    perBmc.set(bmc, (perBmc.get(bmc) ?? 0) + 1);
    maxInFlight = Math.max(maxInFlight, inFlight);
    maxPerBmc = Math.max(maxPerBmc, perBmc.get(bmc) ?? 0);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      ctx.signal.throwIfAborted();
      steps.push(`${bmc} ${name}`);
      if (next && !(options.sticksOff && next === 'on')) {
        states.set(bmc, next);
        lag.set(bmc, options.lagQueries ?? 0);
      }
      if (name === 'query' && (lag.get(bmc) ?? 0) > 0) {
        lag.set(bmc, (lag.get(bmc) ?? 0) - 1);
        return states.get(bmc) === 'on' ? 'off' : 'on';
      }
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
      if (options.onThrows) throw options.onThrows;
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
            if (options.pxe === 'fails')
              throw new AppError('power_failed', 'The BMC refused to set the boot device.');
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

/** A clock (Date only) that moves only when the runner sleeps: confirmation deadlines without waiting. */
function steppedClock() {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: (ms: number) => {
      waits.push(ms);
      now += ms;
      vi.setSystemTime(now);
      return Promise.resolve();
    },
    during: async (run: () => Promise<unknown>) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(now);
      try {
        await run();
      } finally {
        vi.useRealTimers();
      }
    },
  };
}

// The contract's own checks on a peer whose state the test can read (and which can refuse a password).
runPowerDriverContract('in-memory test driver', () => {
  const memory = memoryDriver({ refusedPassword: 'wrong-pass-xyz' });
  return {
    driver: memory.driver,
    parameters: { power_address: 'contract', power_pass: 'hunter2-secret' },
    peerState: () => Promise.resolve(memory.states.get('contract') === 'on' ? 'on' : 'off'),
    wrongCredentials: { power_address: 'contract', power_pass: 'wrong-pass-xyz' },
  };
});

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
    const clock = steppedClock();
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      sleep: clock.sleep,
    });
    await clock.during(() =>
      expect(
        runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal()),
      ).rejects.toMatchObject({
        code: 'power_failed',
        message: 'The BMC still reports off 30 s after power on.',
      }),
    );
    expect(clock.now()).toBe(30_000);
  });

  it('turns a driver call past its timeout into power_unreachable', async () => {
    const memory = memoryDriver({ delayMs: 300 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      callTimeoutMs: 100,
    });
    await expect(runner.query(target('a'), signal())).rejects.toMatchObject({
      code: 'power_unreachable',
      message: 'The BMC did not answer within 0.1 s (Memory query).',
    });
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
    expect(runner.load).toEqual({ running: 0, waiting: 0, bmcs: 0 });
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
  it('powers on anyway when the one-time network boot cannot be set, and logs why', async () => {
    const memory = memoryDriver({ pxe: 'fails' });
    const log = capturedLogger();
    const runner = new PowerRunner({ drivers: [memory.driver], logger: log.logger, ...noWait });
    const answer = await runner.change(
      { ...target('a'), action: 'on', pxe: true, cycleIfOn: false },
      signal(),
    );
    expect(answer).toEqual({ state: 'on' });
    expect(memory.steps).toEqual(['a pxe', 'a query', 'a on', 'a query']);
    expect(log.text()).toContain('The BMC refused to set the boot device.');
    expect(log.text()).toContain('powering on anyway');
  });

  it('polls the state with a short backoff (0.5 s, 1 s, 2 s …) until the BMC reports it', async () => {
    const memory = memoryDriver({ lagQueries: 3 });
    const waits: number[] = [];
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    await runner.change({ ...target('a'), action: 'off', pxe: false, cycleIfOn: false }, signal());
    expect(waits).toEqual([500, 1000, 2000]);
    expect(memory.steps).toEqual(['a off', 'a query', 'a query', 'a query', 'a query']);
  });

  it('queries once more at the confirmation deadline instead of a whole wait after it', async () => {
    const memory = memoryDriver({ sticksOff: true });
    const clock = steppedClock();
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      confirmTimeoutMs: 1200,
      sleep: clock.sleep,
    });
    await clock.during(() =>
      expect(
        runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal()),
      ).rejects.toMatchObject({ code: 'power_failed' }),
    );
    // 0.5 s, then 0.7 s (not 1 s) to the deadline, and the last query there.
    expect(clock.waits).toEqual([500, 700]);
    // The query before powering on, then three to confirm: at 0, 0.5 and 1.2 s.
    expect(memory.steps.filter((s) => s === 'a query')).toHaveLength(4);
  });

  it('turns an unclassified throw of a driver into power_failed with its message', async () => {
    const memory = memoryDriver({ onThrows: new TypeError('cannot read properties of undefined') });
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    await expect(
      runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal()),
    ).rejects.toMatchObject({
      code: 'power_failed',
      message: 'Memory on failed: cannot read properties of undefined',
    });
  });

  it('passes a driver’s AppError through as it is', async () => {
    const memory = memoryDriver({
      onThrows: new AppError('power_auth_failed', 'The BMC refused the user name or password.'),
    });
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger, ...noWait });
    await expect(
      runner.change({ ...target('a'), action: 'on', pxe: false, cycleIfOn: false }, signal()),
    ).rejects.toMatchObject({
      code: 'power_auth_failed',
      message: 'The BMC refused the user name or password.',
    });
  });

  it('rejects with the caller’s reason when the caller gives up during a driver call', async () => {
    const memory = memoryDriver({ delayMs: 200 });
    const runner = new PowerRunner({ drivers: [memory.driver], logger: capturedLogger().logger });
    const giveUp = new AbortController();
    const pending = runner.query(target('a'), giveUp.signal);
    const reason = new Error('connection closed');
    setTimeout(() => {
      giveUp.abort(reason);
    }, 20);
    await expect(pending).rejects.toBe(reason);
    expect(runner.load).toEqual({ running: 0, waiting: 0, bmcs: 0 });
  });

  it('stops a sequence at its limit and says where it was: busy BMC, busy rack, slow BMC', async () => {
    const memory = memoryDriver({ delayMs: 300 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      maxConcurrent: 1,
      maxPerBmc: 1,
      queryLimitMs: 100,
    });
    const first = runner.query(target('a'), signal());
    const sameBmc = runner.query(target('a'), signal());
    const otherBmc = runner.query(target('b'), signal());
    await expect(sameBmc).rejects.toMatchObject({
      code: 'power_bmc_busy',
      message: 'Other power work on this Memory BMC kept it busy for 0.1 s.',
    });
    await expect(otherBmc).rejects.toMatchObject({ code: 'rack_unavailable' });
    await expect(first).rejects.toMatchObject({
      code: 'power_unreachable',
      message: 'The BMC did not finish the power work within 0.1 s.',
    });
    expect(runner.load).toEqual({ running: 0, waiting: 0, bmcs: 0 });
  });

  it('serves waiters first come, first served', async () => {
    const memory = memoryDriver({ delayMs: 2 });
    const runner = new PowerRunner({
      drivers: [memory.driver],
      logger: capturedLogger().logger,
      maxConcurrent: 1,
      maxPerBmc: 1,
    });
    const order = Array.from({ length: 20 }, (_, i) => `bmc-${String(i)}`);
    await Promise.all(order.map((bmc) => runner.query(target(bmc), signal())));
    expect(memory.steps).toEqual(order.map((bmc) => `${bmc} query`));
  });

  it('takes a registry, and refuses two drivers for one power type', () => {
    const registry = new PowerDriverRegistry([manualDriver, memoryDriver().driver]);
    expect(registry.names()).toEqual(['manual', 'memory']);
    expect(registry.all().map((d) => d.name)).toEqual(['manual', 'memory']);
    expect(() => new PowerRunner({ drivers: registry, logger: capturedLogger().logger })).not.toThrow();
    expect(() => new PowerDriverRegistry([manualDriver, manualDriver])).toThrow(
      "Two power drivers are registered for power type 'manual'.",
    );
  });

  it('never logs a secret, in failures either', async () => {
    const log = capturedLogger();
    const refused = memoryDriver({
      onThrows: new AppError('power_auth_failed', 'The BMC refused the user name or password.'),
    });
    const runner = new PowerRunner({ drivers: [refused.driver], logger: log.logger, ...noWait });
    await runner
      .change({ ...target('10.0.0.9'), action: 'on', pxe: true, cycleIfOn: false }, signal())
      .catch(() => undefined);
    await runner
      .query({ ...target('10.0.0.9'), parameters: { power_pass: 'hunter2-secret' } }, signal())
      .catch(() => undefined);
    expect(log.text()).toContain('power work failed');
    expect(log.text()).toContain('power_auth_failed');
    expect(log.text()).not.toContain('hunter2-secret');
  });
});
