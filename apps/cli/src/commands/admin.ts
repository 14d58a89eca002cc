import { readFileSync } from 'node:fs';
import { AppError } from '@ferrum/domain';
import {
  currentSchemaVersion,
  formatApiKey,
  latestSchemaVersion,
  openRegionContext,
  type RegionContext,
} from '@ferrum/region';
import { output } from '../output.js';
import type { CliContext } from '../context.js';

/** Runs `work` against the region's database, whether or not the region is running. */
async function withRegion<T>(ctx: CliContext, work: (region: RegionContext) => Promise<T>): Promise<T> {
  const region = await openRegionContext(ctx.config, ctx.logger, false);
  try {
    return await work(region);
  } finally {
    await region.close();
  }
}

function secretFrom(
  options: { value?: string | undefined; file?: string | undefined; env?: string | undefined },
  what: string,
): string {
  if (options.value !== undefined) return options.value;
  if (options.file !== undefined) return readFileSync(options.file, 'utf8').replace(/\r?\n$/, '');
  if (options.env !== undefined && options.env !== '') return options.env;
  throw AppError.invalid({ [what]: `Give --${what}, --${what}-file or FERRUM_ADMIN_PASSWORD.` });
}

export async function createAdminCommand(
  ctx: CliContext,
  options: {
    username?: string | undefined;
    email?: string | undefined;
    password?: string | undefined;
    passwordFile?: string | undefined;
  },
): Promise<number> {
  const missing = (['username', 'email'] as const).filter((k) => !options[k]);
  if (missing.length > 0)
    throw AppError.invalid(Object.fromEntries(missing.map((k) => [k, `--${k} is required.`])));
  const password = secretFrom(
    { value: options.password, file: options.passwordFile, env: ctx.env['FERRUM_ADMIN_PASSWORD'] },
    'password',
  );
  await withRegion(ctx, async ({ services }) => {
    const user = await services.users.create({
      username: options.username ?? '',
      email: options.email ?? '',
      password,
      isSuperuser: true,
    });
    output.line(`Created administrator '${user.username}'.`);
  });
  return 0;
}

export async function apikeyCommand(
  ctx: CliContext,
  options: {
    username?: string | undefined;
    list: boolean;
    delete?: string | undefined;
    name?: string | undefined;
  },
): Promise<number> {
  if (!options.username) throw AppError.invalid({ username: '--username is required.' });
  await withRegion(ctx, async ({ services }) => {
    const user = await services.users.get(options.username ?? '');
    if (options.delete !== undefined) {
      const parts = options.delete.split(':');
      await services.tokens.delete(user.id, parts.length === 3 ? (parts[1] ?? '') : options.delete);
      output.line('Deleted.');
    } else if (options.list) {
      for (const token of await services.tokens.list(user.id)) output.line(formatApiKey(token));
    } else {
      const token = await services.tokens.create(user.id, options.name ?? 'cli');
      await services.events.audit(user.username, `Created API key '${token.name}' with the ferrum CLI.`);
      output.line(formatApiKey(token));
    }
  });
  return 0;
}

export async function migrateCommand(ctx: CliContext): Promise<number> {
  await withRegion(ctx, async ({ database }) => {
    output.line(
      `Database schema is at ${(await currentSchemaVersion(database.db)) ?? 'none'} (this build knows up to ${latestSchemaVersion}).`,
    );
  });
  return 0;
}

/** `ferrum rack secret`: the shared secret a new rack registers with (made on first need). */
export async function rackSecretCommand(ctx: CliContext): Promise<number> {
  await withRegion(ctx, async ({ services }) => {
    output.line(await services.racks.sharedSecret());
  });
  return 0;
}
