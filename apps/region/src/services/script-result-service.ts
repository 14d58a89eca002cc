import type { Kysely } from 'kysely';
import { AppError, hardwareTypes, resultTypes, type HardwareType, type ResultType } from '@ferrum/domain';
import type { Database, MachineRow, ScriptResultRow, ScriptSetRow } from '../db/schema.js';
import { probedDetailsOf } from './tag-applier.js';
import type { HardwareDetails } from './tag-definition.js';

/** A result with what the results API shows of its script. */
export interface ScriptResultView extends ScriptResultRow {
  /** The script's hardware type (node when no script stands for the result). */
  readonly hardware_type: number;
  readonly tags: readonly string[];
  /** The script's timeout, the runtime MAAS estimates when no earlier run tells. */
  readonly timeout_seconds: number | null;
}

/** A script set with its results. */
export interface ScriptSetView {
  readonly set: ScriptSetRow;
  readonly systemId: string;
  readonly results: readonly ScriptResultView[];
}

/** Which results of sets the results API lists (`hardware_type`, `filters`: names or tags). */
export interface ResultFilters {
  readonly hardwareType?: HardwareType | undefined;
  readonly filters?: readonly string[] | undefined;
}

/** `current-commissioning` and the like: the machine's newest set of a type. */
const currentAliases: Readonly<Record<string, ResultType>> = {
  'current-commissioning': 'commissioning',
  'current-testing': 'testing',
  'current-installation': 'installation',
  'current-release': 'release',
};

const notFound = () => new AppError('not_found', 'No ScriptSet matches the given query.');

/**
 * A machine's script sets and results as the results API reads and changes them (MAAS's
 * NodeScriptResultsHandler and NodeScriptResultHandler).
 */
export class ScriptResultService {
  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  async list(machine: MachineRow, type?: ResultType, filters: ResultFilters = {}): Promise<ScriptSetView[]> {
    let query = this.deps.db
      .selectFrom('script_sets')
      .selectAll()
      .where('machine_id', '=', machine.id)
      .orderBy('id');
    if (type !== undefined) query = query.where('result_type', '=', resultTypes[type].value);
    const sets = await query.execute();
    return this.withResults(machine, sets, filters);
  }

  /** A set by id or `current-<type>`. */
  async get(machine: MachineRow, idOrAlias: string, filters: ResultFilters = {}): Promise<ScriptSetView> {
    const set = await this.set(machine, idOrAlias);
    const [view] = await this.withResults(machine, [set], filters);
    if (!view) throw notFound();
    return view;
  }

  async delete(machine: MachineRow, idOrAlias: string): Promise<void> {
    const set = await this.set(machine, idOrAlias);
    await this.deps.db.deleteFrom('script_sets').where('id', '=', set.id).execute();
  }

  /** Suppresses (or unsuppresses) the failures of the set's results that `filters` select. */
  async suppress(
    machine: MachineRow,
    idOrAlias: string,
    suppressed: boolean,
    filters: ResultFilters = {},
  ): Promise<ScriptSetView> {
    const view = await this.get(machine, idOrAlias, filters);
    const ids = view.results.map((r) => r.id);
    if (ids.length > 0)
      await this.deps.db
        .updateTable('script_results')
        .set({ suppressed, updated: new Date() })
        .where('id', 'in', ids)
        .execute();
    return this.get(machine, String(view.set.id), filters);
  }

  /** The machine's current set of each type, for its JSON (`current_*_result_id`). */
  async currentIds(machineIds: readonly number[]): Promise<Map<number, Partial<Record<ResultType, number>>>> {
    const out = new Map<number, Partial<Record<ResultType, number>>>();
    if (machineIds.length === 0) return out;
    const rows = await this.deps.db
      .selectFrom('script_sets')
      .select(['machine_id', 'result_type'])
      .select((eb) => eb.fn.max('id').as('id'))
      .where('machine_id', 'in', [...machineIds])
      .groupBy(['machine_id', 'result_type'])
      .execute();
    for (const row of rows) {
      const type = (Object.keys(resultTypes) as ResultType[]).find(
        (t) => resultTypes[t].value === row.result_type,
      );
      if (type === undefined) continue;
      out.set(row.machine_id, { ...out.get(row.machine_id), [type]: row.id });
    }
    return out;
  }

  /**
   * MAAS's get_single_probed_details: the output of `maas-lshw` and `maas-capture-lldpd` of the
   * current commissioning, when they passed; null for either otherwise (`details` serves them).
   */
  async probedDetails(machine: Pick<MachineRow, 'id'>): Promise<HardwareDetails> {
    return (await probedDetailsOf(this.deps.db, [machine.id])).get(machine.id) ?? { lshw: null, lldp: null };
  }

  private async set(machine: MachineRow, idOrAlias: string): Promise<ScriptSetRow> {
    let query = this.deps.db.selectFrom('script_sets').selectAll().where('machine_id', '=', machine.id);
    const alias = Object.hasOwn(currentAliases, idOrAlias) ? currentAliases[idOrAlias] : undefined;
    if (alias !== undefined)
      query = query.where('result_type', '=', resultTypes[alias].value).orderBy('id', 'desc').limit(1);
    else if (/^\d{1,9}$/.test(idOrAlias)) query = query.where('id', '=', Number(idOrAlias));
    else throw notFound();
    const row = await query.executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  private async withResults(
    machine: MachineRow,
    sets: readonly ScriptSetRow[],
    filters: ResultFilters,
  ): Promise<ScriptSetView[]> {
    if (sets.length === 0) return [];
    let query = this.deps.db
      .selectFrom('script_results as r')
      .leftJoin('scripts as s', 's.id', 'r.script_id')
      .selectAll('r')
      .select((eb) => [
        eb.fn.coalesce('s.hardware_type', eb.val(0)).as('hardware_type'),
        eb.fn.coalesce('s.tags', eb.val<string[]>([])).as('tags'),
        's.timeout_seconds',
      ])
      .where(
        'r.script_set_id',
        'in',
        sets.map((s) => s.id),
      )
      .orderBy('r.script_name')
      .orderBy('r.id');
    if (filters.hardwareType !== undefined)
      query = query.where('s.hardware_type', '=', hardwareTypes[filters.hardwareType].value);
    const rows = await query.execute();
    const wanted = filters.filters ?? [];
    const selected =
      wanted.length === 0
        ? rows
        : rows.filter((r) => wanted.includes(r.script_name) || r.tags.some((t) => wanted.includes(t)));
    return sets.map((set) => ({
      set,
      systemId: machine.system_id,
      results: selected.filter((r) => r.script_set_id === set.id),
    }));
  }
}
