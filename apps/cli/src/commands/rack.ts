import { readFileSync } from 'node:fs';
import { AppError } from '@ferrum/domain';
import { createLogger, type Logger } from '@ferrum/kit';
import { loadRackConfig, registerRack, startRack, type RackConfig } from '@ferrum/rack';
import { output } from '../output.js';
import { ferrumVersion } from '../version.js';
import { untilStopSignal } from './stop-signal.js';

function rackContext(env: NodeJS.ProcessEnv, quiet: boolean): { config: RackConfig; logger: Logger } {
  const config = loadRackConfig(env);
  const level = quiet && env['FERRUM_LOG_LEVEL'] === undefined ? 'warn' : config.logLevel;
  const fd = quiet ? 2 : 1;
  const isTty = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTty);
  return { config, logger: createLogger({ level, pretty, name: 'ferrum-rack', fd }) };
}

/** `ferrum rack register --url URL… --secret S [--name N]`: registers this rack and stores its identity. */
export async function rackRegisterCommand(
  env: NodeJS.ProcessEnv,
  options: {
    url?: string[] | undefined;
    secret?: string | undefined;
    'secret-file'?: string | undefined;
    name?: string | undefined;
  },
): Promise<number> {
  const { config, logger } = rackContext(env, true);
  const secret =
    options.secret ??
    (options['secret-file'] === undefined
      ? env['FERRUM_RACK_SECRET']
      : readFileSync(options['secret-file'], 'utf8'));
  if (secret === undefined || secret.trim() === '')
    throw AppError.invalid({
      secret:
        'Give --secret, --secret-file or FERRUM_RACK_SECRET (the region prints it: ferrum rack secret).',
    });
  const identity = await registerRack({
    config,
    urls: options.url ?? [],
    secret,
    name: options.name,
    version: ferrumVersion,
    logger,
  });
  output.line(
    `Rack ${identity.name} registered as ${identity.systemId}; its identity is in ${config.dataDir}/rack.json. Start it with: ferrum rack start`,
  );
  return 0;
}

/** `ferrum rack start`: the rack controller until SIGINT/SIGTERM/SIGHUP. */
export async function rackStartCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const { config, logger } = rackContext(env, false);
  return untilStopSignal(logger, async (stopping) => {
    const rack = await startRack({ config, version: ferrumVersion, logger });
    if (!stopping())
      output.line(
        `Ferrum ${ferrumVersion} rack ${rack.identity.name} (${rack.identity.systemId}) is running.`,
      );
    return () => rack.stop();
  });
}
