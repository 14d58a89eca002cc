import { AppError } from '@ferrum/domain';
import {
  bmcKey,
  checkPowerParameters,
  type ParamsOf,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
  type powerChange,
  type powerQuery,
} from '@ferrum/protocol';
import type { Logger } from '@ferrum/kit';
import { PowerDriverRegistry } from './power-driver-registry.js';
import { KeyedSlots, Slots } from './slots.js';

/** The runner's limits; `rack-config.ts` sets the first two from the environment. */
export interface PowerLimits {
  /** Driver sequences running at once on this rack (default 32). */
  readonly maxConcurrent?: number;
  /** Driver sequences running at once against one BMC (default 1). */
  readonly maxPerBmc?: number;
  /** One driver call's limit (default 60 s). */
  readonly callTimeoutMs?: number;
  /** How long the BMC has to report the state a change asked for (default 30 s). */
  readonly confirmTimeoutMs?: number;
  /**
   * A whole `power.change`, waiting included (default 140 s): the region gives up on it after
   * 150 s, and the RPC does not tell the rack, so the rack stops first and answers why.
   */
  readonly changeLimitMs?: number;
  /** A whole `power.query`, waiting included (default 55 s; the region waits 60 s). */
  readonly queryLimitMs?: number;
}

export interface PowerRunnerOptions extends PowerLimits {
  readonly drivers: PowerDriverRegistry | readonly PowerDriver[];
  readonly logger: Logger;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type ChangeParams = ParamsOf<typeof powerChange>;
type QueryParams = ParamsOf<typeof powerQuery>;

/** The first waits between confirmation queries; the last one repeats. */
const CONFIRM_WAITS_MS = [500, 1000, 2000, 4000];

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    signal.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

const seconds = (ms: number) => `${String(Math.round(ms / 100) / 10)} s`;

/**
 * The rack's side of `power.change` and `power.query`: checks the parameters, waits its turn
 * (at most `maxPerBmc` sequences on one BMC, then at most `maxConcurrent` on this rack, first
 * come first served), runs the driver's steps — a one-time network boot, then on, or a cycle
 * when already on; off; cycle — and confirms the state with the BMC. Retries between attempts
 * are the region's; here each driver call has a timeout, the whole sequence a limit below the
 * region's deadline, and no parameter value is ever logged.
 */
export class PowerRunner {
  readonly #drivers: PowerDriverRegistry;
  readonly #rack: Slots;
  readonly #bmcs: KeyedSlots;
  readonly #callTimeoutMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #changeLimitMs: number;
  readonly #queryLimitMs: number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #logger: Logger;

  constructor(options: PowerRunnerOptions) {
    this.#drivers =
      options.drivers instanceof PowerDriverRegistry
        ? options.drivers
        : new PowerDriverRegistry(options.drivers);
    this.#rack = new Slots(options.maxConcurrent ?? 32);
    this.#bmcs = new KeyedSlots(options.maxPerBmc ?? 1);
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.#changeLimitMs = options.changeLimitMs ?? 140_000;
    this.#queryLimitMs = options.queryLimitMs ?? 55_000;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#logger = options.logger;
  }

  /** Sequences running now and waiting for the rack's turn; BMCs with work running or waiting. */
  get load(): { running: number; waiting: number; bmcs: number } {
    return { running: this.#rack.held, waiting: this.#rack.waiting, bmcs: this.#bmcs.size };
  }

  change(p: ChangeParams, signal: AbortSignal): Promise<{ state: PowerState }> {
    return this.#run(p, p.action, this.#changeLimitMs, signal, async (driver, params, step) => {
      if (p.action === 'off') {
        await step('off', (ctx) => driver.off(params, p.stopMode ? { ...ctx, stopMode: p.stopMode } : ctx));
        return this.#confirm(driver, params, 'off', step);
      }
      if (p.action === 'on' && p.pxe && driver.setNextBootPxe) {
        const setBoot = driver.setNextBootPxe.bind(driver);
        try {
          await step('setNextBootPxe', (ctx) => setBoot(params, ctx));
        } catch (error) {
          if (step.signal.aborted) throw error;
          // As MAAS: a BMC that cannot set the boot device may still boot from the network.
          this.#logger.warn(
            {
              systemId: p.systemId,
              powerType: p.powerType,
              code: (error as { code?: unknown }).code,
              error: (error as Error).message,
            },
            'could not set a one-time network boot; powering on anyway',
          );
        }
      }
      let cycle = p.action === 'cycle';
      if (p.action === 'on' && driver.queryable) {
        const now = await step('query', (ctx) => driver.query(params, ctx));
        if (now === 'on') {
          if (!p.cycleIfOn) return { state: 'on' };
          cycle = true;
        }
      }
      if (cycle && driver.cycle) {
        const reset = driver.cycle.bind(driver);
        await step('cycle', (ctx) => reset(params, ctx));
      } else if (cycle) {
        await step('off', (ctx) => driver.off(params, ctx));
        await this.#confirm(driver, params, 'off', step);
        await step('on', (ctx) => driver.on(params, ctx));
      } else {
        await step('on', (ctx) => driver.on(params, ctx));
      }
      return this.#confirm(driver, params, 'on', step);
    });
  }

  query(p: QueryParams, signal: AbortSignal): Promise<{ state: PowerState }> {
    return this.#run(p, 'query', this.#queryLimitMs, signal, async (driver, params, step) => ({
      state: driver.queryable ? await step('query', (ctx) => driver.query(params, ctx)) : 'unknown',
    }));
  }

  async #run(
    p: QueryParams,
    action: string,
    limitMs: number,
    callerSignal: AbortSignal,
    steps: (driver: PowerDriver, params: PowerParameters, step: Step) => Promise<{ state: PowerState }>,
  ): Promise<{ state: PowerState }> {
    const driver = this.#drivers.require(p.powerType);
    const checked = checkPowerParameters(driver, p.parameters);
    if (!checked.ok) throw AppError.invalid({ ...checked.errors });
    const params = checked.value;
    const started = performance.now();
    const log = { systemId: p.systemId, powerType: p.powerType, action };
    const limit = AbortSignal.timeout(limitMs);
    const signal = AbortSignal.any([callerSignal, limit]);
    let phase: 'bmc' | 'rack' | 'steps' = 'bmc';
    let releaseBmc: (() => void) | undefined;
    let releaseRack: (() => void) | undefined;
    try {
      // The BMC's turn first, then the rack's: a call waiting for a busy BMC holds no rack
      // slot, so one hammered chassis cannot stall the work for every other BMC.
      releaseBmc = await this.#bmcs.take(bmcKey(driver, params), signal);
      phase = 'rack';
      releaseRack = await this.#rack.take(signal);
      phase = 'steps';
      const step = Object.assign(
        <T>(name: string, run: (ctx: PowerContext) => Promise<T>) =>
          this.#call(driver, p.systemId, name, signal, run),
        { signal },
      );
      const result = await steps(driver, params, step);
      this.#logger.info({ ...log, outcome: 'done', state: result.state, ms: ms(started) }, 'power work done');
      return result;
    } catch (thrown) {
      const error = limit.aborted && !callerSignal.aborted ? this.#overLimit(driver, phase, limitMs) : thrown;
      this.#logger.warn(
        {
          ...log,
          outcome: callerSignal.aborted ? 'abandoned' : 'failed',
          ms: ms(started),
          code: (error as { code?: unknown }).code,
          error: (error as Error).message,
        },
        'power work failed',
      );
      throw error;
    } finally {
      releaseRack?.();
      releaseBmc?.();
    }
  }

  /** Why a sequence ran past its limit, by where it was. */
  #overLimit(driver: PowerDriver, phase: 'bmc' | 'rack' | 'steps', limitMs: number): AppError {
    const limit = seconds(limitMs);
    if (phase === 'bmc')
      return new AppError(
        'power_bmc_busy',
        `Other power work on this ${driver.description} BMC kept it busy for ${limit}.`,
      );
    if (phase === 'rack')
      return new AppError(
        'rack_unavailable',
        `This rack was busy with other power work for ${limit} (FERRUM_RACK_POWER_MAX_CONCURRENT).`,
      );
    return new AppError('power_unreachable', `The BMC did not finish the power work within ${limit}.`);
  }

  /** One driver call, within its own timeout and the sequence's signal; anything unclassified is power_failed. */
  async #call<T>(
    driver: PowerDriver,
    systemId: string,
    step: string,
    signal: AbortSignal,
    run: (ctx: PowerContext) => Promise<T>,
  ): Promise<T> {
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#callTimeoutMs);
    const ctx: PowerContext = { signal: AbortSignal.any([signal, timeout]), systemId };
    try {
      return await run(ctx);
    } catch (error) {
      if (signal.aborted) throw error;
      if (timeout.aborted)
        throw new AppError(
          'power_unreachable',
          `The BMC did not answer within ${seconds(this.#callTimeoutMs)} (${driver.description} ${step}).`,
        );
      if (error instanceof AppError) throw error;
      throw new AppError('power_failed', `${driver.description} ${step} failed: ${(error as Error).message}`);
    }
  }

  /** Polls the BMC until it reports `expected` (queryable drivers), else answers `unknown`. */
  async #confirm(
    driver: PowerDriver,
    params: PowerParameters,
    expected: 'on' | 'off',
    step: Step,
  ): Promise<{ state: PowerState }> {
    if (!driver.queryable) return { state: 'unknown' };
    const deadline = Date.now() + this.#confirmTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const state = await step('query', (ctx) => driver.query(params, ctx));
      if (state === expected) return { state };
      const left = deadline - Date.now();
      if (left <= 0)
        throw new AppError(
          'power_failed',
          `The BMC still reports ${state} ${seconds(this.#confirmTimeoutMs)} after power ${expected}.`,
        );
      const wait = CONFIRM_WAITS_MS[Math.min(attempt, CONFIRM_WAITS_MS.length - 1)] ?? 4000;
      // The last query comes at the deadline, not a whole wait after it.
      await this.#sleep(Math.min(wait, left), step.signal);
    }
  }
}

/** Runs one driver call of the sequence; `signal` is the sequence's (caller and limit). */
type Step = (<T>(name: string, run: (ctx: PowerContext) => Promise<T>) => Promise<T>) & {
  readonly signal: AbortSignal;
};

function ms(started: number): number {
  return Math.round(performance.now() - started);
}
