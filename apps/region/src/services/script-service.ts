import { sql, type Kysely } from 'kysely';
import { AppError, scriptTypes, type HardwareType, type ScriptType } from '@ferrum/domain';
import { hardwareTypes } from '@ferrum/domain';
import type { Database, ScriptRow, ScriptVersionRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { builtinScriptTexts } from '../scripts/builtin-scripts.js';
import { checkScriptFields, defaultScriptFields, type ScriptFieldValues } from './script-fields.js';
import { readEmbeddedMetadata } from './script-metadata.js';
import { scriptColumnsOf, scriptFieldsOf } from './script-row-fields.js';

/** What create and update take: MAAS's form fields, and the script's text when given. */
export interface ScriptInput {
  /** Settings by MAAS's field names (`type`, `hardware_type`, `timeout`, …): they override the text's metadata. */
  readonly values: ScriptFieldValues;
  /** The script's text (the `script` upload or `data`). */
  readonly data?: string | undefined;
  /** Why this version: kept in the history. */
  readonly comment?: string | undefined;
}

/** The scripts list's filters (`scripts/?type=…&hardware_type=…&filters=…`). */
export interface ScriptFilters {
  readonly type?: ScriptType | undefined;
  readonly hardwareType?: HardwareType | undefined;
  /** Names or tags: a script matching any is listed. */
  readonly filters?: readonly string[] | undefined;
}

/** A script with its history (newest version first). */
export interface ScriptView {
  readonly script: ScriptRow;
  readonly history: readonly ScriptVersionRow[];
}

// pg_advisory_xact_lock key of the built-in scripts' seeding: region processes starting at
// once seed one after the other (the second finds everything up to date).
const BUILTINS_LOCK = 0x5343_5249; // "SCRI"

const notFound = () => new AppError('not_found', 'No Script matches the given query.');

/**
 * Scripts as data (MAAS's Script with its VersionedTextFile): every change of a script's text
 * is a new version, with a comment; built-in scripts are seeded and kept up to date by
 * {@link ensureBuiltins} and may not be deleted, reverted or have their text changed.
 */
export class ScriptService {
  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  async list(filters: ScriptFilters = {}): Promise<ScriptView[]> {
    let query = this.deps.db.selectFrom('scripts').selectAll().orderBy('id');
    if (filters.type !== undefined) query = query.where('script_type', '=', scriptTypes[filters.type].value);
    if (filters.hardwareType !== undefined)
      query = query.where('hardware_type', '=', hardwareTypes[filters.hardwareType].value);
    const wanted = filters.filters ?? [];
    if (wanted.length > 0)
      query = query.where((eb) =>
        eb.or([
          eb('name', 'in', [...wanted]),
          eb(sql<boolean>`tags && ${sql.val([...wanted])}::text[]`, '=', true),
        ]),
      );
    const rows = await query.execute();
    return this.withHistory(rows);
  }

  /** A script by name, or by id when the text is a number (names cannot be numbers). */
  async get(nameOrId: string): Promise<ScriptView> {
    const [view] = await this.withHistory([await this.row(nameOrId)]);
    if (!view) throw notFound();
    return view;
  }

  /** The text of the script's current version, or of version `revision` of it. */
  async download(nameOrId: string, revision?: number): Promise<string> {
    const script = await this.row(nameOrId);
    const versionId = revision ?? script.current_version_id;
    const version = await this.deps.db
      .selectFrom('script_versions')
      .select('data')
      .where('script_id', '=', script.id)
      .where('id', '=', versionId ?? -1)
      .executeTakeFirst();
    if (!version)
      throw new AppError(
        'not_found',
        `Script ${script.name} has no revision ${String(revision ?? '')}.`.trim(),
      );
    return version.data;
  }

  /** A new script: its text's embedded metadata, the form's fields over it. */
  async create(input: ScriptInput): Promise<ScriptView> {
    if (input.data === undefined || input.data.trim() === '')
      throw AppError.invalid({ script: 'This field is required.' });
    const values = { ...embedded(input.data), ...input.values };
    const fields = checkScriptFields({ ...defaultScriptFields, name: '' }, values);
    if (fields.name === '') throw AppError.invalid({ name: 'This field is required.' });
    const id = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        const script = await trx
          .insertInto('scripts')
          .values(scriptColumnsOf(fields))
          .returning('id')
          .executeTakeFirstOrThrow();
        await this.addVersion(trx, script.id, input.data ?? '', input.comment ?? '');
        return script.id;
      })
      .catch((error: unknown) => {
        throw duplicateName(error);
      });
    return this.get(String(id));
  }

  /**
   * Changes a script: a new text becomes a new version (its metadata applied, the form's
   * fields over it); a built-in script keeps its name and text.
   */
  async update(nameOrId: string, input: ScriptInput): Promise<ScriptView> {
    const id = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        const script = await this.row(nameOrId, trx, true);
        const current = await this.currentText(trx, script);
        const newText = input.data !== undefined && input.data !== current ? input.data : undefined;
        if (script.is_default && newText !== undefined)
          throw AppError.invalid({ script: 'The text of a default (built-in) script cannot be changed.' });
        const values = { ...(newText === undefined ? {} : embedded(newText)), ...input.values };
        const fields = checkScriptFields(scriptFieldsOf(script), values);
        if (script.is_default && fields.name !== script.name)
          throw AppError.invalid({ name: 'A default (built-in) script cannot be renamed.' });
        await trx
          .updateTable('scripts')
          .set({ ...scriptColumnsOf(fields), updated: new Date() })
          .where('id', '=', script.id)
          .execute();
        if (newText !== undefined) await this.addVersion(trx, script.id, newText, input.comment ?? '');
        return script.id;
      })
      .catch((error: unknown) => {
        throw duplicateName(error);
      });
    return this.get(String(id));
  }

  async delete(nameOrId: string): Promise<void> {
    const script = await this.row(nameOrId);
    if (script.is_default)
      throw new AppError('validation_failed', 'Unable to delete a default (built-in) script.');
    await this.deps.db.deleteFrom('scripts').where('id', '=', script.id).execute();
  }

  /**
   * Makes an earlier version current and drops the versions after it (MAAS's revert): `to` is
   * a version id of the script, or a negative number of versions back (-1: the one before).
   */
  async revert(nameOrId: string, to: number): Promise<ScriptView> {
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const script = await this.row(nameOrId, trx, true);
      if (script.is_default)
        throw new AppError('validation_failed', 'Unable to revert a default (built-in) script.');
      const versions = await trx
        .selectFrom('script_versions')
        .selectAll()
        .where('script_id', '=', script.id)
        .orderBy('id', 'desc')
        .execute();
      const target = to < 0 ? versions[-to] : versions.find((v) => v.id === to);
      if (!target)
        throw AppError.invalid({
          to: `${String(to)} is not a version of ${script.name}: give a version id from its history or how many versions back (negative).`,
        });
      await trx
        .updateTable('scripts')
        .set({ current_version_id: target.id, updated: new Date() })
        .where('id', '=', script.id)
        .execute();
      await trx
        .deleteFrom('script_versions')
        .where('script_id', '=', script.id)
        .where('id', '>', target.id)
        .execute();
      return script.id;
    });
    return this.get(String(id));
  }

  async addTag(nameOrId: string, tag: string): Promise<ScriptView> {
    return this.changeTags(nameOrId, tag, (tags) => (tags.includes(tag) ? tags : [...tags, tag]));
  }

  async removeTag(nameOrId: string, tag: string): Promise<ScriptView> {
    return this.changeTags(nameOrId, tag, (tags) => tags.filter((t) => t !== tag));
  }

  /**
   * Seeds the built-in scripts and brings them up to date with this release, by name: a new
   * text is a new version; their settings are the release's, but tags an administrator added
   * stay. Safe when several region processes start at once (one advisory lock, one
   * transaction). A user script that holds a built-in's name is left alone and reported.
   */
  async ensureBuiltins(): Promise<{
    readonly created: string[];
    readonly updated: string[];
    readonly clashes: string[];
  }> {
    const outcome = { created: [] as string[], updated: [] as string[], clashes: [] as string[] };
    await this.deps.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${BUILTINS_LOCK})`.execute(trx);
      for (const text of builtinScriptTexts) {
        const fields = checkScriptFields({ ...defaultScriptFields, name: '' }, embedded(text));
        const existing = await trx
          .selectFrom('scripts')
          .selectAll()
          .where('name', '=', fields.name)
          .executeTakeFirst();
        if (!existing) {
          const script = await trx
            .insertInto('scripts')
            .values({ ...scriptColumnsOf(fields), is_default: true })
            .returning('id')
            .executeTakeFirstOrThrow();
          await this.addVersion(trx, script.id, text, 'Created by Ferrum');
          outcome.created.push(fields.name);
          continue;
        }
        if (!existing.is_default) {
          outcome.clashes.push(fields.name);
          continue;
        }
        const columns = scriptColumnsOf({
          ...fields,
          tags: [...new Set([...fields.tags, ...existing.tags])],
        });
        const textChanged = (await this.currentText(trx, existing)) !== text;
        const settingsChanged = Object.entries(columns).some(([key, value]) => {
          const stored: unknown = existing[key as keyof ScriptRow];
          // jsonb keeps its own key order: compare the values, not their text.
          return typeof value === 'string' &&
            (key === 'packages' || key === 'parameters' || key === 'results')
            ? canonical(stored) !== canonical(JSON.parse(value))
            : canonical(stored) !== canonical(value);
        });
        if (!textChanged && !settingsChanged) continue;
        await trx
          .updateTable('scripts')
          .set({ ...columns, updated: new Date() })
          .where('id', '=', existing.id)
          .execute();
        if (textChanged) await this.addVersion(trx, existing.id, text, 'Updated by Ferrum');
        outcome.updated.push(fields.name);
      }
    });
    return outcome;
  }

  private async changeTags(
    nameOrId: string,
    tag: string,
    change: (tags: string[]) => string[],
  ): Promise<ScriptView> {
    const trimmed = tag.trim();
    if (trimmed === '') throw AppError.invalid({ tag: 'This field is required.' });
    if (trimmed.includes(',')) throw AppError.invalid({ tag: 'A tag may not contain a ",".' });
    const script = await this.row(nameOrId);
    await this.deps.db
      .updateTable('scripts')
      .set({ tags: change(script.tags), updated: new Date() })
      .where('id', '=', script.id)
      .execute();
    return this.get(String(script.id));
  }

  private async addVersion(
    trx: Kysely<Database>,
    scriptId: number,
    data: string,
    comment: string,
  ): Promise<void> {
    const version = await trx
      .insertInto('script_versions')
      .values({ script_id: scriptId, data, comment })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('scripts')
      .set({ current_version_id: version.id })
      .where('id', '=', scriptId)
      .execute();
  }

  private async currentText(trx: Kysely<Database>, script: ScriptRow): Promise<string | undefined> {
    if (script.current_version_id === null) return undefined;
    const row = await trx
      .selectFrom('script_versions')
      .select('data')
      .where('id', '=', script.current_version_id)
      .executeTakeFirst();
    return row?.data;
  }

  private async row(nameOrId: string, db: Kysely<Database> = this.deps.db, lock = false): Promise<ScriptRow> {
    let query = db.selectFrom('scripts').selectAll();
    query = /^\d{1,9}$/.test(nameOrId)
      ? query.where('id', '=', Number(nameOrId))
      : query.where('name', '=', nameOrId);
    if (lock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  private async withHistory(rows: readonly ScriptRow[]): Promise<ScriptView[]> {
    if (rows.length === 0) return [];
    const versions = await this.deps.db
      .selectFrom('script_versions')
      .selectAll()
      .where(
        'script_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('id', 'desc')
      .execute();
    return rows.map((script) => ({ script, history: versions.filter((v) => v.script_id === script.id) }));
  }
}

/** The text's embedded metadata, or the 400 about the script that says why it cannot be read. */
function embedded(text: string): ScriptFieldValues {
  const metadata = readEmbeddedMetadata(text);
  if (!metadata.ok) throw AppError.invalid({ script: metadata.error });
  const { comment: _comment, ...values } = metadata.values;
  return values;
}

/** JSON with every object's keys sorted, to compare values whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function duplicateName(error: unknown): unknown {
  return isUniqueViolation(error)
    ? AppError.invalid({ name: 'Script with this Name already exists.' })
    : error;
}
