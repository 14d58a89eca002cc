import { startRegion, type RunningRegion } from '@ferrum/region';
import { output } from '../output.js';
import { ferrumVersion } from '../version.js';
import type { CliContext } from '../context.js';

/** A repeat of the stop signal within this time is the same request (wrappers repeat Ctrl-C). */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * `ferrum start`: the all-in-one region until SIGINT/SIGTERM/SIGHUP, then a clean stop.
 * The signal handlers are installed before anything starts, so a signal at any moment —
 * during start-up too — ends in a clean stop (HTTP closed, embedded PostgreSQL stopped).
 */
export async function startCommand(ctx: CliContext): Promise<number> {
  let region: RunningRegion | undefined;
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
      ctx.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    state.stopRequested = true;
    firstSignalAt = Date.now();
    ctx.logger.info({ signal }, region ? 'stopping' : 'stop requested during start-up');
    wake?.();
  };
  // `on`, not `once`: a second signal of the same kind must reach onSignal too.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal or session: stop cleanly rather than die with PostgreSQL left running.
  process.on('SIGHUP', onSignal);
  try {
    region = await startRegion(ctx.config, ctx.logger, ferrumVersion);
    if (!state.stopRequested)
      output.line(`Ferrum ${ferrumVersion} region is ready at ${region.url}  (API: ${region.url}api/2.0/)`);
    await stopSignal;
    await region.stop();
    ctx.logger.info('stopped');
    return 0;
  } catch (error) {
    if (region) {
      ctx.logger.error({ err: error }, 'error while stopping');
      return 1;
    }
    throw error;
  }
}
