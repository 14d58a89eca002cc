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
  const level = quiet && env['FERRUM_LOG_LEVEL'] === undefined ? 'warn' : config.logLevel;
  // Admin commands print data on stdout (an API key, JSON); their logs go to stderr.
  const fd = quiet ? 2 : 1;
  const isTty = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTty);
  return { env, config, logger: createLogger({ level, pretty, name: 'ferrum', fd }) };
}
