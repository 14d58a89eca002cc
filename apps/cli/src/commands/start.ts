import { startRegion } from '@ferrum/region';
import { output } from '../output.js';
import { ferrumVersion } from '../version.js';
import type { CliContext } from '../context.js';

/** `ferrum start`: the all-in-one region until SIGINT/SIGTERM, then a clean stop. */
export async function startCommand(ctx: CliContext): Promise<number> {
  const region = await startRegion(ctx.config, ctx.logger, ferrumVersion);
  output.line(`Ferrum ${ferrumVersion} region is ready at ${region.url}  (API: ${region.url}api/2.0/)`);
  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        ctx.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      signalled = true;
      ctx.logger.info({ signal }, 'stopping');
      region.stop().then(
        () => {
          ctx.logger.info('stopped');
          resolve(0);
        },
        (error: unknown) => {
          ctx.logger.error({ err: error }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
