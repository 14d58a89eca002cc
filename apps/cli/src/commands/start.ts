import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { startRegion, type RunningRegion } from '@ferrum/region';
import { loadRackConfig, readIdentity, registerRack, startRack, type RunningRack } from '@ferrum/rack';
import type { Logger } from '@ferrum/kit';
import { output } from '../output.js';
import { ferrumVersion } from '../version.js';
import type { CliContext } from '../context.js';
import { untilStopSignal } from './stop-signal.js';

/**
 * `ferrum start`: the all-in-one region, and its own rack connected to it over loopback
 * through the same RPC any other rack uses (unless `regionOnly`), until a stop signal.
 */
export async function startCommand(ctx: CliContext, options: { regionOnly?: boolean } = {}): Promise<number> {
  return untilStopSignal(ctx.logger, async (stopping) => {
    const region = await startRegion(ctx.config, ctx.logger, ferrumVersion);
    let rack: RunningRack | undefined;
    try {
      if (!options.regionOnly && !stopping()) rack = await startLocalRack(ctx, region);
    } catch (error) {
      await region.stop();
      throw error;
    }
    if (!stopping())
      output.line(
        `Ferrum ${ferrumVersion} region is ready at ${region.url}  (API: ${region.url}api/2.0/)` +
          (rack ? `; rack ${rack.identity.name} (${rack.identity.systemId}) runs alongside` : ''),
      );
    return async () => {
      await rack?.stop();
      await region.stop();
    };
  });
}

/**
 * The all-in-one rack: registered with the region's own shared secret the first time (or when
 * the region no longer knows it, e.g. a new database), then started like any rack.
 */
async function startLocalRack(ctx: CliContext, region: RunningRegion): Promise<RunningRack> {
  const config = { ...loadRackConfig(ctx.env), dataDir: ctx.config.dataDir };
  // Over TLS the rack trusts exactly its region's certificate, which need not name 127.0.0.1.
  const pinned =
    ctx.config.tlsCertFile === undefined ? {} : { pinnedCertificate: await readFile(ctx.config.tlsCertFile) };
  const logger: Logger = ctx.logger.child({ component: 'rack' });
  const url = region.loopbackUrl;
  // A damaged identity, one the region no longer knows (a new database), or one whose
  // credential it no longer holds: the all-in-one rack knows the secret, so it registers again.
  const known = await readIdentity(config.dataDir).catch((error: unknown) => {
    logger.warn({ err: error }, 'the all-in-one rack identity is unusable; registering again');
    return undefined;
  });
  const stillKnown = known && (await region.services.racks.keyFor(known.systemId))?.key === known.credential;
  if (!stillKnown) {
    const identity = await registerRack({
      config,
      urls: [url],
      secret: await region.services.racks.sharedSecret(),
      name: known?.name ?? hostname(),
      version: ferrumVersion,
      logger,
      force: true,
      ...pinned,
    });
    logger.info({ rackId: identity.systemId }, 'all-in-one rack registered');
  }
  // Always the region's current address (its port may have changed since it registered).
  const rack = await startRack({ config, version: ferrumVersion, logger, urls: [url], ...pinned });
  try {
    await rack.link.connected(15_000);
  } catch (error) {
    await rack.stop();
    throw error;
  }
  return rack;
}
