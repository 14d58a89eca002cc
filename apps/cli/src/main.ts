import { AppError } from '@ferrum/domain';
import { ConfigError } from '@ferrum/kit';
import { parseOptions } from './args.js';
import { cliContext } from './context.js';
import { output } from './output.js';
import { ferrumVersion } from './version.js';
import { startCommand } from './commands/start.js';
import { apikeyCommand, createAdminCommand, migrateCommand, rackSecretCommand } from './commands/admin.js';
import { statusCommand } from './commands/status.js';
import { rackRegisterCommand, rackStartCommand } from './commands/rack.js';
import { simCommand } from './commands/sim.js';

const usage = `Usage: ferrum <command> [options]

Commands:
  start [--region-only]         Run the all-in-one region (embedded PostgreSQL unless DATABASE_URL)
                                and its own rack, connected over loopback
  createadmin --username U --email E (--password P | --password-file F)
                                Create an administrator
  apikey --username U [--name N] [--list] [--delete KEY]
                                Print a new API key (consumer_key:token_key:token_secret)
  status [--json] [--url URL]   Region health: database, schema version, uptime, URL
  rack secret                   Print the shared secret a new rack registers with
  rack register --url URL [--url URL…] (--secret-file F|- | --secret S) [--name N] [--force]
                                Register this host's rack with a region (identity in the data dir)
  rack start                    Run the rack controller (reconnects to its region for as long as it runs)
  sim --url URL --key KEY [--machines N] [--speed fast|normal|slow] [--bmc-host H] [--bmc-port P]
      [--seed S] [--prefix P] [--fail-scripts NAME,… [--fail-machines K]]
                                Simulate N machines against a region (test and benchmark tool);
                                the named scripts fail on the first K machines (default all)
  migrate                       Bring the database schema up to date
  version                       Print Ferrum's version

Environment: FERRUM_DATA_DIR, DATABASE_URL, FERRUM_HTTP_PORT, FERRUM_BIND_ADDRESS,
FERRUM_LOG_LEVEL, FERRUM_LOG_FORMAT, FERRUM_DB_POOL_SIZE, FERRUM_DB_PREPARED_STATEMENTS,
FERRUM_POWER_POLL_INTERVAL, FERRUM_CONFIG (JSON file), FERRUM_ADMIN_PASSWORD (for createadmin),
FERRUM_RACK_SECRET, FERRUM_RACK_IMAGE_DIR, FERRUM_RACK_CA_FILE (racks). Secrets may come from <VAR>_FILE. See docs/operations.md.`;

/** Runs the CLI and returns its exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const { values } = parseOptions(rest, { 'region-only': { type: 'boolean', default: false } });
        return await startCommand(cliContext(env, false), { regionOnly: values['region-only'] });
      }
      case 'createadmin': {
        const { values } = parseOptions(rest, {
          username: { type: 'string' },
          email: { type: 'string' },
          password: { type: 'string' },
          'password-file': { type: 'string' },
        });
        return await createAdminCommand(cliContext(env, true), {
          ...values,
          passwordFile: values['password-file'],
        });
      }
      case 'apikey': {
        const { values } = parseOptions(rest, {
          username: { type: 'string' },
          name: { type: 'string' },
          list: { type: 'boolean', default: false },
          delete: { type: 'string' },
        });
        return await apikeyCommand(cliContext(env, true), values);
      }
      case 'status': {
        const { values } = parseOptions(rest, {
          json: { type: 'boolean', default: false },
          url: { type: 'string' },
        });
        return await statusCommand(cliContext(env, true), values);
      }
      case 'migrate':
        return await migrateCommand(cliContext(env, true));
      case 'sim': {
        const { values } = parseOptions(rest, {
          machines: { type: 'string' },
          url: { type: 'string' },
          key: { type: 'string' },
          'bmc-host': { type: 'string' },
          'bmc-port': { type: 'string' },
          speed: { type: 'string' },
          seed: { type: 'string' },
          prefix: { type: 'string' },
          'fail-scripts': { type: 'string' },
          'fail-machines': { type: 'string' },
        });
        return await simCommand(env, values);
      }
      case 'rack': {
        const [sub, ...more] = rest;
        switch (sub) {
          case 'secret':
            parseOptions(more, {});
            return await rackSecretCommand(cliContext(env, true));
          case 'register': {
            const { values } = parseOptions(more, {
              url: { type: 'string', multiple: true },
              secret: { type: 'string' },
              'secret-file': { type: 'string' },
              name: { type: 'string' },
              force: { type: 'boolean', default: false },
            });
            return await rackRegisterCommand(env, values);
          }
          case 'start':
            parseOptions(more, {});
            return await rackStartCommand(env);
          case undefined:
          default:
            throw AppError.invalid({
              rack: `Unknown rack command '${sub ?? ''}': try 'ferrum rack register', 'ferrum rack start' or 'ferrum rack secret'.`,
            });
        }
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
