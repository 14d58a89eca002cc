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
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY);
  const level = quiet && env['FERRUM_LOG_LEVEL'] === undefined ? 'warn' : config.logLevel;
  return { env, config, logger: createLogger({ level, pretty, name: 'ferrum' }) };
}
