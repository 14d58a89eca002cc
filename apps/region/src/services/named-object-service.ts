import type { Kysely } from 'kysely';
import { AppError, checkObjectName, parseId } from '@ferrum/domain';
import type { Database, NamedObjectRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { uniqueNameError } from './unique-name-error.js';

export interface NamedObjectKind {
  readonly table: 'zones' | 'resource_pools';
  /** As MAAS names it in messages: "Zone", "ResourcePool". */
  readonly label: string;
  /** Words for audit events: "zone", "resource pool". */
  readonly noun: string;
  /**
   * How a URL key is read. Zones are addressed by name (`zones/{name}/`). Pools are addressed
   * by id (their resource_uri is `resourcepool/{id}/`) or name, so an all-digit key is an id
   * first: a pool named "1" must not hijack the default pool's resource_uri.
   */
  readonly lookup: 'name-first' | 'id-first';
}

export const zoneKind: NamedObjectKind = {
  table: 'zones',
  label: 'Zone',
  noun: 'zone',
  lookup: 'name-first',
};
export const poolKind: NamedObjectKind = {
  table: 'resource_pools',
  label: 'ResourcePool',
  noun: 'resource pool',
  lookup: 'id-first',
};

/** Zones and resource pools: named groups of machines with a `default` that always exists. */
export class NamedObjectService {
  constructor(
    private readonly kind: NamedObjectKind,
    private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService },
  ) {}

  list(): Promise<NamedObjectRow[]> {
    return this.deps.db.selectFrom(this.kind.table).selectAll().orderBy('id').execute();
  }

  /** By name or by numeric id, in the order the kind's `lookup` says. */
  async get(key: string): Promise<NamedObjectRow> {
    const byName = () =>
      this.deps.db.selectFrom(this.kind.table).selectAll().where('name', '=', key).executeTakeFirst();
    const id = parseId(key);
    const byId = async () =>
      id !== undefined
        ? this.deps.db.selectFrom(this.kind.table).selectAll().where('id', '=', id).executeTakeFirst()
        : undefined;
    const row =
      this.kind.lookup === 'id-first'
        ? ((await byId()) ?? (await byName()))
        : ((await byName()) ?? (await byId()));
    if (!row) throw new AppError('not_found', `No ${this.kind.label} matches the given query.`);
    return row;
  }

  async create(input: { name: string; description: string }, actor: string): Promise<NamedObjectRow> {
    // Form fields are stripped of surrounding whitespace, as Django's CharField does.
    const name = input.name.trim();
    this.checkName(name);
    try {
      const row = await this.deps.db
        .insertInto(this.kind.table)
        .values({ name, description: input.description })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Created ${this.kind.noun} '${row.name}'.`);
      return row;
    } catch (error) {
      throw uniqueNameError(error, this.kind.label);
    }
  }

  async update(
    key: string,
    changes: { name?: string | undefined; description?: string | undefined },
    actor: string,
  ): Promise<NamedObjectRow> {
    const current = await this.get(key);
    const name = changes.name?.trim();
    if (name !== undefined) {
      this.checkName(name);
      if (current.name === 'default' && name !== 'default') {
        throw AppError.invalid({ name: `The default ${this.kind.noun} cannot be renamed.` });
      }
    }
    try {
      const row = await this.deps.db
        .updateTable(this.kind.table)
        .set({
          ...(name !== undefined ? { name } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          updated: new Date(),
        })
        .where('id', '=', current.id)
        .returningAll()
        // Deleted by someone else since it was read.
        .executeTakeFirstOrThrow(
          () => new AppError('not_found', `No ${this.kind.label} matches the given query.`),
        );
      await this.deps.events.audit(actor, `Updated ${this.kind.noun} '${row.name}'.`);
      return row;
    } catch (error) {
      throw uniqueNameError(error, this.kind.label);
    }
  }

  async delete(key: string, actor: string): Promise<void> {
    const current = await this.get(key);
    if (current.name === 'default') {
      throw new AppError(
        'validation_failed',
        `This ${this.kind.noun} is the default ${this.kind.noun}, it cannot be deleted.`,
      );
    }
    await this.deps.db.deleteFrom(this.kind.table).where('id', '=', current.id).execute();
    await this.deps.events.audit(actor, `Deleted ${this.kind.noun} '${current.name}'.`);
  }

  private checkName(name: string): void {
    const problem = checkObjectName(name);
    if (problem) throw AppError.invalid({ name: problem });
  }
}
