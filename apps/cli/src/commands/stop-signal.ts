import type { Logger } from '@ferrum/kit';

/** A repeat of the stop signal within this time is the same request (wrappers repeat Ctrl-C). */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * Runs a long-lived service until SIGINT/SIGTERM/SIGHUP, then stops it cleanly. The handlers are
 * installed before `start` runs, so a signal at any moment — during start-up too — ends in a
 * clean stop. `start` returns how to stop what it started; `stopping()` tells it a stop was asked.
 */
export async function untilStopSignal(
  logger: Logger,
  start: (stopping: () => boolean) => Promise<() => Promise<void>>,
): Promise<number> {
  let stop: (() => Promise<void>) | undefined;
  const state = { stopRequested: false };
  let wake: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    wake = resolve;
  });
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Wrappers repeat a signal (Ctrl-C reaches npm, its shell and us; npm forwards it again):
    // a repeat within a second is the same request, not an impatient second one.
    if (state.stopRequested && Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    if (state.stopRequested) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    state.stopRequested = true;
    firstSignalAt = Date.now();
    logger.info({ signal }, stop ? 'stopping' : 'stop requested during start-up');
    wake?.();
  };
  // `on`, not `once`: a second signal of the same kind must reach onSignal too.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal or session: stop cleanly rather than die with PostgreSQL left running.
  process.on('SIGHUP', onSignal);
  try {
    stop = await start(() => state.stopRequested);
    await stopSignal;
    await stop();
    logger.info('stopped');
    return 0;
  } catch (error) {
    if (stop) {
      logger.error({ err: error }, 'error while stopping');
      return 1;
    }
    throw error;
  }
}
