import type { Kysely } from 'kysely';
import { AppError, checkObjectName } from '@ferrum/domain';
import type { Database, NamedObjectRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';

export interface NamedObjectKind {
  readonly table: 'zones' | 'resource_pools';
  /** As MAAS names it in messages: "Zone", "ResourcePool". */
  readonly label: string;
  /** Words for audit events: "zone", "resource pool". */
  readonly noun: string;
}

export const zoneKind: NamedObjectKind = { table: 'zones', label: 'Zone', noun: 'zone' };
export const poolKind: NamedObjectKind = { table: 'resource_pools', label: 'ResourcePool', noun: 'resource pool' };

/** Zones and resource pools: named groups of machines with a `default` that always exists. */
export class NamedObjectService {
  constructor(
    private readonly kind: NamedObjectKind,
    private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService },
  ) {}

  list(): Promise<NamedObjectRow[]> {
    return this.deps.db.selectFrom(this.kind.table).selectAll().orderBy('id').execute();
  }

  /** By name, or by numeric id when `key` is all digits and no object has that name. */
  async get(key: string): Promise<NamedObjectRow> {
    const byName = await this.deps.db.selectFrom(this.kind.table).selectAll().where('name', '=', key).executeTakeFirst();
    if (byName) return byName;
    if (/^\d+$/.test(key) && Number(key) <= 2147483647) {
      const byId = await this.deps.db.selectFrom(this.kind.table).selectAll().where('id', '=', Number(key)).executeTakeFirst();
      if (byId) return byId;
    }
    throw new AppError('not_found', `No ${this.kind.label} matches the given query.`);
  }

  async create(input: { name: string; description: string }, actor: string): Promise<NamedObjectRow> {
    this.checkName(input.name);
    try {
      const row = await this.deps.db.insertInto(this.kind.table).values(input).returningAll().executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Created ${this.kind.noun} '${row.name}'.`);
      return row;
    } catch (error) {
      throw this.translate(error);
    }
  }

  async update(key: string, changes: { name?: string | undefined; description?: string | undefined }, actor: string): Promise<NamedObjectRow> {
    const current = await this.get(key);
    if (changes.name !== undefined) {
      this.checkName(changes.name);
      if (current.name === 'default' && changes.name !== 'default') {
        throw AppError.invalid({ name: `The default ${this.kind.noun} cannot be renamed.` });
      }
    }
    try {
      const row = await this.deps.db
        .updateTable(this.kind.table)
        .set({
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          updated: new Date(),
        })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Updated ${this.kind.noun} '${row.name}'.`);
      return row;
    } catch (error) {
      throw this.translate(error);
    }
  }

  async delete(key: string, actor: string): Promise<void> {
    const current = await this.get(key);
    if (current.name === 'default') {
      throw new AppError('validation_failed', `This ${this.kind.noun} is the default ${this.kind.noun}, it cannot be deleted.`);
    }
    await this.deps.db.deleteFrom(this.kind.table).where('id', '=', current.id).execute();
    await this.deps.events.audit(actor, `Deleted ${this.kind.noun} '${current.name}'.`);
  }

  private checkName(name: string): void {
    const problem = checkObjectName(name);
    if (problem) throw AppError.invalid({ name: problem });
  }

  private translate(error: unknown): unknown {
    if (isUniqueViolation(error)) return AppError.invalid({ name: `${this.kind.label} with this Name already exists.` });
    return error;
  }
}
