import { readFileSync } from 'node:fs';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import { commandLogger } from '../context.js';
import { loadRackConfig, registerRack, startRack, type RackConfig } from '@ferrum/rack';
import { output } from '../output.js';
import { ferrumVersion } from '../version.js';
import { untilStopSignal } from './stop-signal.js';

function rackContext(env: NodeJS.ProcessEnv, quiet: boolean): { config: RackConfig; logger: Logger } {
  const config = loadRackConfig(env);
  return { config, logger: commandLogger(config, env, quiet, 'ferrum-rack') };
}

/** The secret in a file (`-`: standard input), its final newline dropped. */
function readSecretFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw AppError.invalid({ 'secret-file': `cannot read ${path}: ${(error as Error).message}` });
  }
}

/** `ferrum rack register --url URL… --secret S [--name N]`: registers this rack and stores its identity. */
export async function rackRegisterCommand(
  env: NodeJS.ProcessEnv,
  options: {
    url?: string[] | undefined;
    secret?: string | undefined;
    'secret-file'?: string | undefined;
    name?: string | undefined;
    force?: boolean | undefined;
  },
): Promise<number> {
  const { config, logger } = rackContext(env, true);
  const secret =
    options.secret ??
    (options['secret-file'] === undefined ? config.secret : readSecretFile(options['secret-file']));
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
    force: options.force === true,
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
