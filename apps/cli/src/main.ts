import { parseArgs } from 'node:util';
import { AppError } from '@ferrum/domain';
import { ConfigError } from '@ferrum/kit';
import { cliContext } from './context.js';
import { output } from './output.js';
import { ferrumVersion } from './version.js';
import { startCommand } from './commands/start.js';
import { apikeyCommand, createAdminCommand, migrateCommand, rackSecretCommand } from './commands/admin.js';
import { statusCommand } from './commands/status.js';

const usage = `Usage: ferrum <command> [options]

Commands:
  start                         Run the all-in-one region (embedded PostgreSQL unless DATABASE_URL)
  createadmin --username U --email E (--password P | --password-file F)
                                Create an administrator
  apikey --username U [--name N] [--list] [--delete KEY]
                                Print a new API key (consumer_key:token_key:token_secret)
  status [--json] [--url URL]   Region health: database, schema version, uptime, URL
  rack secret                   Print the shared secret a new rack registers with
  migrate                       Bring the database schema up to date
  version                       Print Ferrum's version

Environment: FERRUM_DATA_DIR, DATABASE_URL, FERRUM_HTTP_PORT, FERRUM_BIND_ADDRESS,
FERRUM_LOG_LEVEL, FERRUM_LOG_FORMAT, FERRUM_DB_POOL_SIZE, FERRUM_DB_PREPARED_STATEMENTS, FERRUM_CONFIG (JSON file),
FERRUM_ADMIN_PASSWORD (for createadmin). Secrets may come from <VAR>_FILE. See docs/operations.md.`;

/** Runs the CLI and returns its exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        parseArgs({ args: rest, options: {} });
        return await startCommand(cliContext(env, false));
      case 'createadmin': {
        const { values } = parseArgs({
          args: rest,
          options: {
            username: { type: 'string' },
            email: { type: 'string' },
            password: { type: 'string' },
            'password-file': { type: 'string' },
          },
        });
        return await createAdminCommand(cliContext(env, true), {
          ...values,
          passwordFile: values['password-file'],
        });
      }
      case 'apikey': {
        const { values } = parseArgs({
          args: rest,
          options: {
            username: { type: 'string' },
            name: { type: 'string' },
            list: { type: 'boolean', default: false },
            delete: { type: 'string' },
          },
        });
        return await apikeyCommand(cliContext(env, true), values);
      }
      case 'status': {
        const { values } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean', default: false }, url: { type: 'string' } },
        });
        return await statusCommand(cliContext(env, true), values);
      }
      case 'migrate':
        return await migrateCommand(cliContext(env, true));
      case 'rack': {
        const [sub, ...more] = rest;
        parseArgs({ args: more, options: {} });
        if (sub !== 'secret')
          throw AppError.invalid({ rack: `Unknown rack command '${sub ?? ''}': try 'ferrum rack secret'.` });
        return await rackSecretCommand(cliContext(env, true));
      }
      case 'version':
      case '--version':
        output.line(ferrumVersion);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.line(usage);
        return command === undefined ? 2 : 0;
      default:
        output.error(`ferrum: unknown command '${command}'\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof ConfigError) {
    output.error(error.message);
    return 2;
  }
  if (error instanceof AppError) {
    const fields = error.details.fields;
    output.error(
      `ferrum: ${
        fields
          ? Object.entries(fields)
              .map(([f, m]) => `${f}: ${m.join(' ')}`)
              .join('\n        ')
          : error.message
      }`,
    );
    return 1;
  }
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    output.error(`ferrum: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  output.error(`ferrum: ${(error as Error).stack ?? String(error)}`);
  return 1;
}
