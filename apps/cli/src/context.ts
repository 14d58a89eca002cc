import { createLogger, type Logger } from '@ferrum/kit';
import { loadRegionConfig, type RegionConfig } from '@ferrum/region';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly config: RegionConfig;
  readonly logger: Logger;
}

/** Configuration and a logger for a command; admin commands log only warnings. */
export function cliContext(env: NodeJS.ProcessEnv, quiet: boolean): CliContext {
  const config = loadRegionConfig(env);
  return { env, config, logger: commandLogger(config, env, quiet, 'ferrum') };
}

/**
 * A command's logger: a server's logs on stdout at the configured level; a one-shot command,
 * which prints data on stdout (an API key, JSON), logs warnings only, on stderr.
 */
export function commandLogger(
  settings: { readonly logLevel: string; readonly logFormat: 'auto' | 'json' | 'pretty' },
  env: NodeJS.ProcessEnv,
  quiet: boolean,
  name: string,
): Logger {
  const level = quiet && env['FERRUM_LOG_LEVEL'] === undefined ? 'warn' : settings.logLevel;
  const fd = quiet ? 2 : 1;
  const isTty = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && isTty);
  return createLogger({ level, pretty, name, fd });
}
