import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths redacted from every log line: passwords, tokens, BMC secrets, OAuth headers. */
export const redactPaths = [
  'password',
  '*.password',
  'power_pass',
  '*.power_pass',
  'token_secret',
  '*.token_secret',
  'secret',
  '*.secret',
  'credential',
  '*.credential',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'databaseUrl',
  '*.databaseUrl',
];

export interface LoggerSettings {
  readonly level: string;
  /** Pretty, human-readable lines (when writing to a terminal). */
  readonly pretty: boolean;
  readonly name?: string;
  /** File descriptor to write to: 1 (stdout, servers) or 2 (stderr, commands whose stdout is data). */
  readonly fd?: 1 | 2;
  /** A stream to write JSON lines to instead (tests read what was logged). */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(settings.name ? { name: settings.name } : {}),
  };
  if (settings.pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          destination: settings.fd ?? 1,
        },
      },
    });
  }
  if (settings.destination) return pino(options, settings.destination);
  return pino(options, pino.destination({ fd: settings.fd ?? 1, sync: true }));
}
