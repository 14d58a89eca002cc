import type { Kysely } from 'kysely';
import { defaultConfigValue, parseConfigValue, renderConfigValue, type ConfigName, type ConfigValue, isSecretConfig } from '@ferrum/domain';
import type { Database } from '../db/schema.js';
import type { EventService } from './event-service.js';

/** Region configuration items (`maas/?op=get_config|set_config`), stored as JSON values. */
export class ConfigService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  async getValue(name: ConfigName): Promise<ConfigValue> {
    const row = await this.deps.db.selectFrom('config').select('value').where('name', '=', name).executeTakeFirst();
    return row ? (row.value as ConfigValue) : defaultConfigValue(name);
  }

  /** The value as MAAS renders it on the wire. */
  async get(name: ConfigName): Promise<string | number | boolean | null> {
    return renderConfigValue(await this.getValue(name));
  }

  async set(name: ConfigName, raw: string, actor: string): Promise<void> {
    const value = parseConfigValue(name, raw);
    await this.deps.db
      .insertInto('config')
      .values({ name, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: JSON.stringify(value), updated: new Date() }))
      .execute();
    const shown = isSecretConfig(name) ? '[secret]' : `'${String(renderConfigValue(value))}'`;
    await this.deps.events.audit(actor, `Updated configuration setting '${name}' to ${shown}.`);
  }
}
