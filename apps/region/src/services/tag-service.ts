import type { Kysely } from 'kysely';
import { AppError, checkTagName } from '@ferrum/domain';
import type { Database, TagRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { uniqueNameError } from './unique-name-error.js';
import { definitionError } from './tag-definition.js';
import type { TagApplier } from './tag-applier.js';

export interface TagInput {
  readonly name?: string | undefined;
  readonly comment?: string | undefined;
  readonly kernelOpts?: string | undefined;
  readonly definition?: string | undefined;
}

/**
 * Tags, manual and automatic: a tag with a `definition` (XPath over the machines' hardware
 * details) is applied to the machines it holds for by the applier, in the background.
 */
export class TagService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly applier?: TagApplier;
    },
  ) {}

  list(): Promise<TagRow[]> {
    return this.deps.db.selectFrom('tags').selectAll().orderBy('id').execute();
  }

  async get(name: string): Promise<TagRow> {
    const row = await this.deps.db.selectFrom('tags').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No Tag matches the given query.');
    return row;
  }

  async create(input: TagInput, actor: string): Promise<TagRow> {
    const name = input.name ?? '';
    this.check({ ...input, name });
    try {
      const row = await this.deps.db
        .insertInto('tags')
        .values({
          name,
          comment: input.comment ?? '',
          kernel_opts: input.kernelOpts ?? '',
          definition: input.definition?.trim() ?? '',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Created tag '${name}'.`);
      if (row.definition !== '') void this.deps.applier?.schedule(row.id);
      return row;
    } catch (error) {
      throw uniqueNameError(error, 'Tag');
    }
  }

  async update(current: string, input: TagInput, actor: string): Promise<TagRow> {
    const tag = await this.get(current);
    this.check(input);
    const definition = input.definition?.trim();
    try {
      const row = await this.deps.db.transaction().execute(async (trx) => {
        // A new definition drops the old one's machines at once (as MAAS does): allocation
        // must not take a machine by a definition that no longer holds.
        if (definition !== undefined && definition !== '' && definition !== tag.definition)
          await trx.deleteFrom('machine_tags').where('tag_id', '=', tag.id).execute();
        return (
          trx
            .updateTable('tags')
            .set({
              ...(input.name !== undefined ? { name: input.name } : {}),
              ...(input.comment !== undefined ? { comment: input.comment } : {}),
              ...(input.kernelOpts !== undefined ? { kernel_opts: input.kernelOpts } : {}),
              ...(definition !== undefined ? { definition } : {}),
              updated: new Date(),
            })
            .where('id', '=', tag.id)
            .returningAll()
            // Deleted by someone else since it was read.
            .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Tag matches the given query.'))
        );
      });
      await this.deps.events.audit(actor, `Updated tag '${row.name}'.`);
      // A new definition: its machines are found again (a definition removed leaves them tagged, as MAAS).
      if (row.definition !== '' && row.definition !== tag.definition)
        void this.deps.applier?.schedule(row.id);
      return row;
    } catch (error) {
      throw uniqueNameError(error, 'Tag');
    }
  }

  async delete(name: string, actor: string): Promise<void> {
    const tag = await this.get(name);
    await this.deps.db.deleteFrom('tags').where('id', '=', tag.id).execute();
    await this.deps.events.audit(actor, `Deleted tag '${name}'.`);
  }

  private check(input: TagInput): void {
    const problems: Record<string, string> = {};
    if (input.name !== undefined) {
      const problem = checkTagName(input.name);
      if (problem) problems['name'] = problem;
    }
    if (input.definition !== undefined && input.definition.trim() !== '') {
      const problem = definitionError(input.definition.trim());
      if (problem) problems['definition'] = problem;
    }
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  }
}
