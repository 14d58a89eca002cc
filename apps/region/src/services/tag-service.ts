import type { Kysely } from 'kysely';
import { AppError, checkTagName } from '@ferrum/domain';
import type { Database, TagRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { uniqueNameError } from './unique-name-error.js';

export interface TagInput {
  readonly name?: string | undefined;
  readonly comment?: string | undefined;
  readonly kernelOpts?: string | undefined;
  readonly definition?: string | undefined;
}

/** Manual tags. Automatic tags (an XPath `definition` over hardware data) need commissioning data. */
export class TagService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

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
        .values({ name, comment: input.comment ?? '', kernel_opts: input.kernelOpts ?? '', definition: '' })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor, `Created tag '${name}'.`);
      return row;
    } catch (error) {
      throw uniqueNameError(error, 'Tag');
    }
  }

  async update(current: string, input: TagInput, actor: string): Promise<TagRow> {
    const tag = await this.get(current);
    this.check(input);
    try {
      const row = await this.deps.db
        .updateTable('tags')
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.comment !== undefined ? { comment: input.comment } : {}),
          ...(input.kernelOpts !== undefined ? { kernel_opts: input.kernelOpts } : {}),
          updated: new Date(),
        })
        .where('id', '=', tag.id)
        .returningAll()
        // Deleted by someone else since it was read.
        .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Tag matches the given query.'));
      await this.deps.events.audit(actor, `Updated tag '${row.name}'.`);
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
      problems['definition'] =
        'Automatic tags (with an XPath definition) are not supported yet: they need commissioning data. Create a manual tag without a definition.';
    }
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  }
}
