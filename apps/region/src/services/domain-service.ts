import { sql, type Kysely } from 'kysely';
import { AppError, checkDomainName, isIpAddress, parseId } from '@ferrum/domain';
import type { Database, DomainRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { uniqueNameError } from './unique-name-error.js';

export interface DomainInput {
  readonly name?: string | undefined;
  readonly authoritative?: boolean | undefined;
  readonly ttl?: number | null | undefined;
  readonly forwardDnsServers?: string[] | undefined;
}

/** Advisory lock key (any constant unique among Ferrum's advisory locks) guarding the default domain. */
const DEFAULT_DOMAIN_LOCK = 0x46_44_4f_4d; // "FDOM"

/** Holds the default-domain lock until the transaction ends. */
async function lockDefault(tx: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${DEFAULT_DOMAIN_LOCK})`.execute(tx);
}

/** DNS domains. Exactly one is the default (`maas` at first start); it cannot be deleted. */
export class DomainService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  list(): Promise<DomainRow[]> {
    return this.deps.db.selectFrom('domains').selectAll().orderBy('id').execute();
  }

  /** By numeric id, or by name. */
  async get(key: string): Promise<DomainRow> {
    const query = this.deps.db.selectFrom('domains').selectAll();
    const id = parseId(key);
    const row =
      id !== undefined
        ? await query.where('id', '=', id).executeTakeFirst()
        : await query.where('name', '=', key.replace(/\.$/, '').toLowerCase()).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No Domain matches the given query.');
    return row;
  }

  async create(input: DomainInput, actor: string): Promise<DomainRow> {
    const name = this.checkedName(input.name ?? '');
    this.checkServers(input.forwardDnsServers);
    try {
      const row = await this.deps.db
        .insertInto('domains')
        .values({
          name,
          authoritative: input.authoritative ?? true,
          ttl: input.ttl ?? null,
          forward_dns_servers: input.forwardDnsServers ?? [],
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Created domain '${name}'.`);
      return row;
    } catch (error) {
      throw uniqueNameError(error, 'Domain');
    }
  }

  async update(key: string, input: DomainInput, actor: string): Promise<DomainRow> {
    const current = await this.get(key);
    const name = input.name !== undefined ? this.checkedName(input.name) : undefined;
    this.checkServers(input.forwardDnsServers);
    try {
      const row = await this.deps.db
        .updateTable('domains')
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(input.authoritative !== undefined ? { authoritative: input.authoritative } : {}),
          ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
          ...(input.forwardDnsServers !== undefined ? { forward_dns_servers: input.forwardDnsServers } : {}),
          updated: new Date(),
        })
        .where('id', '=', current.id)
        .returningAll()
        // Deleted by someone else since it was read.
        .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Domain matches the given query.'));
      await this.deps.events.audit(actor, `Updated domain '${row.name}'.`);
      return row;
    } catch (error) {
      throw uniqueNameError(error, 'Domain');
    }
  }

  async delete(key: string, actor: string): Promise<void> {
    const current = await this.get(key);
    const deleted = await this.deps.db.transaction().execute(async (tx) => {
      await lockDefault(tx);
      // Re-read under the lock: the domain may have become the default meanwhile.
      const row = await tx
        .selectFrom('domains')
        .select(['id', 'name', 'is_default'])
        .where('id', '=', current.id)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No Domain matches the given query.');
      if (row.is_default)
        throw new AppError(
          'validation_failed',
          `Domain '${row.name}' is the default domain, it cannot be deleted.`,
        );
      await tx.deleteFrom('domains').where('id', '=', row.id).execute();
      return row;
    });
    await this.deps.events.audit(actor, `Deleted domain '${deleted.name}'.`);
  }

  /** Makes one domain the default, atomically: there is never zero or two, even under concurrent calls. */
  async setDefault(key: string, actor: string): Promise<DomainRow> {
    const target = await this.get(key);
    const row = await this.deps.db.transaction().execute(async (tx) => {
      // Serialise default changes: each statement after the lock sees the previous change
      // committed, so clearing the old flag never misses a default set a moment ago (which
      // would trip the one-default unique index and fail with a 500).
      await lockDefault(tx);
      await tx
        .updateTable('domains')
        .set({ is_default: false })
        .where('is_default', '=', true)
        .where('id', '<>', target.id)
        .execute();
      return tx
        .updateTable('domains')
        .set({ is_default: true, updated: new Date() })
        .where('id', '=', target.id)
        .returningAll()
        .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Domain matches the given query.'));
    });
    await this.deps.events.audit(actor, `Set domain '${row.name}' as the default.`);
    return row;
  }

  /** Sets the serial of the DNS zones (the next change publishes serial + 1). */
  async setSerial(serial: number, actor: string): Promise<void> {
    await this.deps.db
      .insertInto('region_state')
      .values({ key: 'dns_serial', value: String(serial) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`excluded.value` }))
      .execute();
    await this.deps.events.audit(actor, `Set the DNS serial to ${serial}.`);
  }

  private checkedName(raw: string): string {
    const name = raw.replace(/\.$/, '').toLowerCase();
    if (name === '') throw AppError.invalid({ name: 'This field is required.' });
    const problem = checkDomainName(name);
    if (problem) throw AppError.invalid({ name: problem });
    return name;
  }

  private checkServers(servers: readonly string[] | undefined): void {
    const bad = (servers ?? []).filter((s) => !isIpAddress(s));
    if (bad.length > 0)
      throw AppError.invalid({ forward_dns_servers: `Not IP addresses: ${bad.join(', ')}.` });
  }
}
