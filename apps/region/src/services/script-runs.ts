import { sql, type Kysely } from 'kysely';
import {
  AppError,
  enumKeyOf,
  openScriptStatuses,
  resultTypes,
  scriptStatusValue,
  scriptTypes,
  selectCommissioningScripts,
  selectScriptsOfType,
  selectTestingScripts,
  type ResultType,
  type ScriptSelection,
  type SelectableScript,
} from '@ferrum/domain';
import type { Database, MachineRow, ScriptRow } from '../db/schema.js';
import { currentScriptSets, runTypesOf } from './current-script-sets.js';
import { statusOf } from './machine-service.js';

/** The user's values of scripts' parameters: script name → parameter name → value. */
export type ScriptParameterValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What an operation runs (the op's parameters, as MAAS's commission/test/deploy/release take them). */
export type ScriptRunRequest =
  | {
      readonly kind: 'commissioning';
      readonly commissioningScripts?: readonly string[] | undefined;
      readonly testingScripts?: readonly string[] | undefined;
      readonly skipBmcConfig?: boolean | undefined;
      readonly skipNetworking?: boolean | undefined;
      readonly skipStorage?: boolean | undefined;
      readonly parameters?: ScriptParameterValues | undefined;
      readonly parameterFields?: Readonly<Record<string, string>> | undefined;
    }
  | {
      readonly kind: 'testing';
      readonly testingScripts?: readonly string[] | undefined;
      readonly parameters?: ScriptParameterValues | undefined;
      readonly parameterFields?: Readonly<Record<string, string>> | undefined;
    }
  | { readonly kind: 'installation' }
  | {
      readonly kind: 'release';
      readonly scripts?: readonly string[] | undefined;
      readonly parameters?: ScriptParameterValues | undefined;
    };

/** Creates the script sets of an operation (the lifecycle calls it in the status change's transaction). */
export interface ScriptRuns {
  /** Refuses (400 naming the field) a request naming scripts that do not exist; writes nothing. */
  check(request: ScriptRunRequest, db?: Kysely<Database>): Promise<void>;
  /** The operation's sets and their PENDING results, for `machine`, in `trx`. */
  begin(trx: Kysely<Database>, machine: MachineRow, request: ScriptRunRequest): Promise<void>;
  /**
   * The operation `machine` is in ends unfinished (aborted, failed or timed out): its results
   * still pending or running in the current sets take `status` (MAAS's mark_failed and
   * _abort_all_tests), so none stays Running for ever. Returns how many were marked.
   */
  end(trx: Kysely<Database>, machine: MachineRow, status: 'ABORTED' | 'TIMEDOUT'): Promise<number>;
}

/**
 * The name of the installation set's one result: curtin's log, which the status webhook's
 * files fill (MAAS's CURTIN_INSTALL_LOG).
 */
export const INSTALL_LOG = '/tmp/install.log';

interface Planned {
  readonly type: ResultType;
  readonly requested: readonly string[];
  readonly scripts: readonly ScriptRow[];
  /** Results that no stored script stands for. */
  readonly extra?: readonly string[];
}

const selectable = (row: ScriptRow): SelectableScript & { row: ScriptRow } => ({
  row,
  name: row.name,
  type: enumKeyOf(scriptTypes, row.script_type) ?? 'testing',
  tags: row.tags,
  isDefault: row.is_default,
  forHardware: row.for_hardware,
});

function chosen(selection: ScriptSelection<ReturnType<typeof selectable>>): ScriptRow[] {
  if (!selection.ok) throw AppError.invalid({ [selection.field]: selection.error });
  return selection.scripts.map((s) => s.row);
}

/**
 * Script sets as MAAS creates them (ScriptSet.objects.create_*_script_set): commissioning
 * makes a commissioning set (every built-in, custom ones by request) and a testing set
 * (requested tests, default those tagged `commissioning`); testing a testing set; deployment
 * an installation set holding curtin's log; release the release scripts. Each result starts
 * PENDING, with the script's current version and its parameters' values.
 */
export class ScriptSetPlanner implements ScriptRuns {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      /**
       * How many results of each script a machine keeps, by set type (MAAS's
       * max_node_<type>_results), read in the caller's transaction; none: all are kept.
       */
      readonly keep?: (
        trx: Kysely<Database>,
        types: readonly ResultType[],
      ) => Promise<Record<ResultType, number>>;
    },
  ) {}

  async check(request: ScriptRunRequest, db: Kysely<Database> = this.deps.db): Promise<void> {
    await this.plan(db, request);
  }

  async end(trx: Kysely<Database>, machine: MachineRow, status: 'ABORTED' | 'TIMEDOUT'): Promise<number> {
    const sets = await currentScriptSets(trx, machine.id, runTypesOf(statusOf(machine)));
    if (sets.length === 0) return 0;
    const now = new Date();
    const ended = await trx
      .updateTable('script_results')
      .set({ status: scriptStatusValue(status), ended: now, updated: now })
      .where(
        'script_set_id',
        'in',
        sets.map((s) => s.id),
      )
      .where(
        'status',
        'in',
        openScriptStatuses.map((s) => scriptStatusValue(s)),
      )
      .executeTakeFirst();
    return Number(ended.numUpdatedRows);
  }

  async begin(trx: Kysely<Database>, machine: MachineRow, request: ScriptRunRequest): Promise<void> {
    const planned = await this.plan(trx, request);
    const scripts = planned.flatMap((p) => p.scripts);
    const given = 'parameters' in request ? (request.parameters ?? {}) : {};
    checkParameters(given, scripts);
    const parameters = withParameterFields(
      given,
      scripts,
      'parameterFields' in request ? (request.parameterFields ?? {}) : {},
    );
    const created: { id: number; type: ResultType }[] = [];
    for (const set of planned) {
      const row = await trx
        .insertInto('script_sets')
        .values({
          machine_id: machine.id,
          result_type: resultTypes[set.type].value,
          requested_scripts: [...set.requested],
          ...(request.kind === 'commissioning' && set.type === 'commissioning'
            ? {
                skip_bmc_config: request.skipBmcConfig ?? false,
                skip_networking: request.skipNetworking ?? false,
                skip_storage: request.skipStorage ?? false,
              }
            : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const results = [
        ...set.scripts.map((script) => ({
          script_set_id: row.id,
          script_id: script.id,
          script_version_id: script.current_version_id,
          script_name: script.name,
          parameters: JSON.stringify(parameterValues(script, parameters[script.name] ?? {})),
        })),
        ...(set.extra ?? []).map((name) => ({ script_set_id: row.id, script_name: name })),
      ];
      if (results.length > 0) await trx.insertInto('script_results').values(results).execute();
      created.push({ id: row.id, type: set.type });
    }
    if (this.deps.keep && created.length > 0)
      await this.pruneHistory(
        trx,
        machine.id,
        created,
        await this.deps.keep(
          trx,
          created.map((c) => c.type),
        ),
      );
  }

  /**
   * MAAS's _clean_old, in one statement for the sets `created` just made: of each script they
   * run, only the machine's `keep[type]` newest results of that set type stay (the new one among
   * them); older sets of those types left with no result go (a data-modifying WITH runs once,
   * whatever reads it; the final DELETE sees the results as they were, so it leaves out the
   * doomed ones itself). Without it, every commissioning of every machine
   * adds some thirty results, outputs and all, for ever.
   */
  private async pruneHistory(
    trx: Kysely<Database>,
    machineId: number,
    created: readonly { readonly id: number; readonly type: ResultType }[],
    keep: Readonly<Record<ResultType, number>>,
  ): Promise<void> {
    const limits = sql.join(
      created.map((c) => sql`(${resultTypes[c.type].value}::int, ${c.id}::int, ${keep[c.type]}::int)`),
    );
    await sql`
      WITH new_sets (result_type, set_id, keep) AS (VALUES ${limits}),
      history AS (
        SELECT r.id, r.script_set_id, n.keep,
               row_number() OVER (PARTITION BY s.result_type, r.script_name ORDER BY r.id DESC) AS age
          FROM new_sets n
          JOIN script_sets s ON s.machine_id = ${machineId} AND s.result_type = n.result_type
          JOIN script_results r ON r.script_set_id = s.id
         WHERE r.script_name IN (SELECT script_name FROM script_results WHERE script_set_id = n.set_id)
      ),
      doomed AS (
        DELETE FROM script_results WHERE id IN (SELECT id FROM history WHERE age > keep)
        RETURNING id
      )
      DELETE FROM script_sets s USING new_sets n
       WHERE s.machine_id = ${machineId} AND s.result_type = n.result_type
         AND s.id NOT IN (SELECT set_id FROM new_sets)
         AND NOT EXISTS (
           SELECT 1 FROM script_results r
            WHERE r.script_set_id = s.id AND r.id NOT IN (SELECT id FROM doomed))`.execute(trx);
  }

  private async plan(db: Kysely<Database>, request: ScriptRunRequest): Promise<Planned[]> {
    if (request.kind === 'installation')
      return [{ type: 'installation', requested: [], scripts: [], extra: [INSTALL_LOG] }];
    const all = (await db.selectFrom('scripts').selectAll().orderBy('name').execute()).map(selectable);
    switch (request.kind) {
      case 'commissioning': {
        const commissioning = chosen(
          selectCommissioningScripts(all, {
            requested: request.commissioningScripts,
            skipBmcConfig: request.skipBmcConfig,
          }),
        );
        const testing = chosen(selectTestingScripts(all, request.testingScripts));
        return [
          { type: 'commissioning', requested: request.commissioningScripts ?? [], scripts: commissioning },
          { type: 'testing', requested: request.testingScripts ?? [], scripts: testing },
        ];
      }
      case 'testing':
        return [
          {
            type: 'testing',
            requested: request.testingScripts ?? [],
            scripts: chosen(selectTestingScripts(all, request.testingScripts)),
          },
        ];
      case 'release':
        return [
          {
            type: 'release',
            requested: request.scripts ?? [],
            scripts: chosen(selectScriptsOfType(all, 'release', request.scripts, 'scripts')),
          },
        ];
    }
  }
}

/**
 * MAAS's `<script name>_<parameter name>=value` form fields, for the scripts of the run, over
 * the values of the `parameters` JSON.
 */
function withParameterFields(
  given: ScriptParameterValues,
  scripts: readonly ScriptRow[],
  fields: Readonly<Record<string, string>>,
): ScriptParameterValues {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, params] of Object.entries(given)) out[name] = { ...params };
  for (const script of scripts)
    for (const param of Object.keys(script.parameters)) {
      const value = fields[`${script.name}_${param}`];
      if (value !== undefined) (out[script.name] ??= {})[param] = value;
    }
  return out;
}

/** A request's parameter values must name scripts of the run and parameters they have. */
function checkParameters(values: ScriptParameterValues, scripts: readonly ScriptRow[]): void {
  for (const [scriptName, params] of Object.entries(values)) {
    const script = scripts.find((s) => s.name === scriptName);
    if (!script) throw AppError.invalid({ parameters: `Script '${scriptName}' is not part of this run.` });
    for (const name of Object.keys(params))
      if (!Object.hasOwn(script.parameters, name))
        throw AppError.invalid({ parameters: `Script '${scriptName}' has no parameter '${name}'.` });
  }
}

/**
 * A result's parameters as MAAS stores them: each of the script's parameters with its
 * settings and the `value` it runs with (the user's, else its default; storage and interface
 * parameters default to `all`).
 */
export function parameterValues(
  script: ScriptRow,
  given: Readonly<Record<string, string>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, raw] of Object.entries(script.parameters)) {
    const settings = (raw ?? {}) as Record<string, unknown>;
    const type = settings['type'];
    const value =
      given[name] ?? settings['default'] ?? (type === 'storage' || type === 'interface' ? 'all' : undefined);
    out[name] = { ...settings, ...(value === undefined ? {} : { value }) };
  }
  return out;
}
