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
import { KeyedSlots, Slots } from './slots.js';

export interface PowerRunnerOptions {
  readonly drivers: readonly PowerDriver[];
  readonly logger: Logger;
  /** Driver sequences running at once on this rack. */
  readonly maxConcurrent?: number;
  /** Driver sequences running at once against one BMC. */
  readonly maxPerBmc?: number;
  /** One driver call's limit. */
  readonly callTimeoutMs?: number;
  /** How long the BMC has to report the state a change asked for. */
  readonly confirmTimeoutMs?: number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

type ChangeParams = ParamsOf<typeof powerChange>;
type QueryParams = ParamsOf<typeof powerQuery>;

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/**
 * The rack's side of `power.change` and `power.query`: checks the parameters, waits its turn
 * (at most `maxConcurrent` sequences on this rack and `maxPerBmc` on one BMC, first come first
 * served), runs the driver's steps — a one-time network boot, then on, or a cycle when already
 * on; off; cycle — and confirms the state with the BMC. Retries between attempts are the
 * region's; here each driver call has a timeout, and no parameter value is ever logged.
 */
export class PowerRunner {
  readonly #drivers = new Map<string, PowerDriver>();
  readonly #rack: Slots;
  readonly #bmcs: KeyedSlots;
  readonly #callTimeoutMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: PowerRunnerOptions) {
    for (const driver of options.drivers) this.#drivers.set(driver.name, driver);
    this.#rack = new Slots(options.maxConcurrent ?? 32);
    this.#bmcs = new KeyedSlots(options.maxPerBmc ?? 1);
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** Sequences running now and waiting, on this rack. */
  get load(): { running: number; waiting: number } {
    return { running: this.#rack.held, waiting: this.#rack.waiting };
  }

  change(p: ChangeParams, signal: AbortSignal): Promise<{ state: PowerState }> {
    return this.#run(p, p.action, signal, async (driver, params, call) => {
      if (p.action === 'off') {
        await call('off', (ctx) => driver.off(params, p.stopMode ? { ...ctx, stopMode: p.stopMode } : ctx));
        return this.#confirm(driver, params, 'off', call);
      }
      if (p.action === 'on' && p.pxe && driver.setNextBootPxe) {
        const setBoot = driver.setNextBootPxe.bind(driver);
        try {
          await call('setNextBootPxe', (ctx) => setBoot(params, ctx));
        } catch (error) {
          // As MAAS: a BMC that cannot set the boot device may still boot from the network.
          if (signal.aborted) throw error;
          this.options.logger.warn(
            { systemId: p.systemId, powerType: p.powerType, err: error },
            'could not set a one-time network boot; powering on anyway',
          );
        }
      }
      let cycle = p.action === 'cycle';
      if (p.action === 'on' && driver.queryable) {
        const now = await call('query', (ctx) => driver.query(params, ctx));
        if (now === 'on') {
          if (!p.cycleIfOn) return { state: 'on' };
          cycle = true;
        }
      }
      if (cycle && driver.cycle) {
        const reset = driver.cycle.bind(driver);
        await call('cycle', (ctx) => reset(params, ctx));
      } else if (cycle) {
        await call('off', (ctx) => driver.off(params, ctx));
        await this.#confirm(driver, params, 'off', call);
        await call('on', (ctx) => driver.on(params, ctx));
      } else {
        await call('on', (ctx) => driver.on(params, ctx));
      }
      return this.#confirm(driver, params, 'on', call);
    });
  }

  query(p: QueryParams, signal: AbortSignal): Promise<{ state: PowerState }> {
    return this.#run(p, 'query', signal, async (driver, params, call) => ({
      state: driver.queryable ? await call('query', (ctx) => driver.query(params, ctx)) : 'unknown',
    }));
  }

  async #run(
    p: QueryParams,
    action: string,
    signal: AbortSignal,
    steps: (driver: PowerDriver, params: PowerParameters, call: Call) => Promise<{ state: PowerState }>,
  ): Promise<{ state: PowerState }> {
    const driver = this.#drivers.get(p.powerType);
    if (!driver)
      throw AppError.invalid({
        power_type: `This rack has no '${p.powerType}' power driver; it runs: ${[...this.#drivers.keys()].sort().join(', ')}.`,
      });
    const checked = checkPowerParameters(driver, p.parameters);
    if (!checked.ok) throw AppError.invalid({ ...checked.errors });
    const params = checked.value;
    const started = performance.now();
    const log = { systemId: p.systemId, powerType: p.powerType, action };
    // The BMC's turn first, then the rack's: a call waiting for a busy BMC holds no rack slot,
    // so one hammered chassis cannot stall the work for every other BMC.
    const releaseBmc = await this.#bmcs.take(bmcKey(driver, params), signal);
    try {
      const releaseRack = await this.#rack.take(signal);
      try {
        const call: Call = (step, run) => this.#call(driver, p.systemId, step, signal, run);
        const result = await steps(driver, params, call);
        this.options.logger.info({ ...log, state: result.state, ms: ms(started) }, 'power work done');
        return result;
      } finally {
        releaseRack();
      }
    } catch (error) {
      this.options.logger.warn(
        {
          ...log,
          ms: ms(started),
          code: (error as { code?: unknown }).code,
          error: (error as Error).message,
        },
        'power work failed',
      );
      throw error;
    } finally {
      releaseBmc();
    }
  }

  /** One driver call, within its own timeout and the caller's signal; anything unclassified is power_failed. */
  async #call<T>(
    driver: PowerDriver,
    systemId: string,
    step: string,
    signal: AbortSignal,
    run: (ctx: PowerContext) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.#callTimeoutMs);
    const ctx: PowerContext = { signal: AbortSignal.any([signal, timeout]), systemId };
    try {
      return await run(ctx);
    } catch (error) {
      if (signal.aborted) throw error;
      if (timeout.aborted)
        throw new AppError(
          'power_unreachable',
          `The BMC did not answer ${driver.description} ${step} within ${String(this.#callTimeoutMs / 1000)} s.`,
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
    call: Call,
  ): Promise<{ state: PowerState }> {
    if (!driver.queryable) return { state: 'unknown' };
    const deadline = Date.now() + this.#confirmTimeoutMs;
    let wait = 250;
    for (;;) {
      const state = await call('query', (ctx) => driver.query(params, ctx));
      if (state === expected) return { state };
      if (Date.now() + wait > deadline)
        throw new AppError(
          'power_failed',
          `The BMC still reports ${state} ${String(Math.round(this.#confirmTimeoutMs / 1000))} s after power ${expected}.`,
        );
      await this.#sleep(wait, AbortSignal.timeout(wait + 1000));
      wait = Math.min(wait * 2, 4000);
    }
  }
}

type Call = <T>(step: string, run: (ctx: PowerContext) => Promise<T>) => Promise<T>;

function ms(started: number): number {
  return Math.round(performance.now() - started);
}
