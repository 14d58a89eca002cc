import type { Kysely } from 'kysely';
import {
  AppError,
  defaultConfigValue,
  isSecretConfig,
  parseConfigValue,
  redactConfigValue,
  renderConfigValue,
  type ConfigName,
  type ConfigValue,
} from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import type { EventService } from './event-service.js';

/** Region configuration items (`maas/?op=get_config|set_config`), stored as JSON values. */
export class ConfigService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  private async getValue(name: ConfigName, db: Kysely<Database> = this.deps.db): Promise<ConfigValue> {
    const row = await db.selectFrom('config').select('value').where('name', '=', name).executeTakeFirst();
    return row ? (row.value as ConfigValue) : defaultConfigValue(name);
  }

  /**
   * The value as MAAS renders it on the wire, unredacted: for the region's own use. `db` may be
   * a transaction, so a reader holding one does not wait for a second pool connection.
   */
  async get(name: ConfigName, db?: Kysely<Database>): Promise<string | number | boolean | null> {
    return renderConfigValue(await this.getValue(name, db));
  }

  /** Several values as `get` renders them, in one query. */
  async getMany<N extends ConfigName>(
    names: readonly N[],
    db: Kysely<Database> = this.deps.db,
  ): Promise<Record<N, string | number | boolean | null>> {
    const rows =
      names.length === 0
        ? []
        : await db.selectFrom('config').select(['name', 'value']).where('name', 'in', names).execute();
    const out = {} as Record<N, string | number | boolean | null>;
    for (const name of names) {
      const row = rows.find((r) => r.name === name);
      out[name] = renderConfigValue(row ? (row.value as ConfigValue) : defaultConfigValue(name));
    }
    return out;
  }

  /**
   * The value as `viewer` may read it. Beyond MAAS, which shows everything to every user:
   * credentials are for administrators only, and others read URLs with the password masked.
   */
  async read(name: ConfigName, viewer: UserRow): Promise<string | number | boolean | null> {
    if (viewer.is_superuser) return this.get(name);
    if (isSecretConfig(name))
      throw new AppError('forbidden', `'${name}' is a credential; only administrators can read it.`);
    return renderConfigValue(redactConfigValue(name, await this.getValue(name)));
  }

  async set(name: ConfigName, raw: string, actor: string): Promise<void> {
    const value = parseConfigValue(name, raw);
    await this.deps.db
      .insertInto('config')
      .values({ name, value: JSON.stringify(value) })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ value: JSON.stringify(value), updated: new Date() }),
      )
      .execute();
    // Events are read by more people than may read secrets and passwords: never record those.
    const shown = isSecretConfig(name)
      ? '[secret]'
      : `'${String(renderConfigValue(redactConfigValue(name, value)))}'`;
    await this.deps.events.audit(actor, `Updated configuration setting '${name}' to ${shown}.`);
  }
}
