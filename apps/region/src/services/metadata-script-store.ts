import type { Kysely } from 'kysely';
import {
  AppError,
  enumKeyOf,
  hardwareTypes,
  isFinalSignal,
  openScriptStatuses,
  reportedScriptStatuses,
  resultTypes,
  scriptParallels,
  scriptSetOutcome,
  scriptStatusAfterSignal,
  scriptStatusFromValue,
  scriptStatusValue,
  type ScriptStatus,
} from '@ferrum/domain';
import type { Database, MachineRow, ScriptResultRow, ScriptSetRow } from '../db/schema.js';
import { statusOf } from './machine-service.js';
import { currentScriptSets, runTypesOf } from './current-script-sets.js';
import type { MetadataScripts, ResultPart, ScriptSignal, SignalFile } from './metadata-scripts.js';
import { tarArchive, type TarEntry } from './metadata-tar.js';
import { parseYaml } from './script-yaml.js';

/** The index key of each result type's scripts in `index.json` (MAAS's). */
const indexKeys = {
  commissioning: 'commissioning_scripts',
  testing: 'testing_scripts',
  release: 'release_scripts',
  installation: 'installation_scripts',
} as const;

const runningStatuses: ReadonlySet<ScriptStatus> = new Set(['RUNNING', 'INSTALLING', 'APPLYING_NETCONF']);

/**
 * The metadata API's scripts and results (MAAS's MAASScriptsHandler and the result storage of
 * `op=signal`), over the machine's current script sets (see runTypesOf).
 */
export class MetadataScriptStore implements MetadataScripts {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly nowSeconds: () => number;
      readonly now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async scriptsTar(machine: MachineRow): Promise<Buffer | undefined> {
    const sets = await currentScriptSets(this.deps.db, machine.id, runTypesOf(statusOf(machine)));
    if (sets.length === 0) return undefined;
    const index: Record<string, unknown[]> = { commissioning_scripts: [], testing_scripts: [] };
    const files: TarEntry[] = [];
    for (const set of sets) {
      const type = enumKeyOf(resultTypes, set.result_type) ?? 'commissioning';
      const prefix = type;
      const rows = await this.deps.db
        .selectFrom('script_results as r')
        .innerJoin('scripts as s', 's.id', 'r.script_id')
        .innerJoin('script_versions as v', 'v.id', 'r.script_version_id')
        .select([
          'r.id as result_id',
          'r.script_name',
          'r.status',
          'r.parameters as result_parameters',
          'r.script_version_id',
          's.timeout_seconds',
          's.parallel',
          's.hardware_type',
          's.packages',
          's.for_hardware',
          's.apply_configured_networking',
          's.destructive',
          's.may_reboot',
          's.is_default',
          's.tags',
          'v.data',
        ])
        .where('r.script_set_id', '=', set.id)
        .orderBy('r.script_name')
        .orderBy('r.id')
        .execute();
      const entries = (index[indexKeys[type]] ??= []);
      for (const row of rows) {
        const status = scriptStatusFromValue(row.status);
        const path = `${prefix}/${row.script_name}`;
        entries.push({
          name: row.script_name,
          path,
          script_result_id: row.result_id,
          script_version_id: row.script_version_id,
          timeout_seconds: row.timeout_seconds,
          parallel: row.parallel,
          parallel_name: enumKeyOf(scriptParallels, row.parallel) ?? 'disabled',
          hardware_type: row.hardware_type,
          hardware_type_name: enumKeyOf(hardwareTypes, row.hardware_type) ?? 'node',
          parameters: row.result_parameters,
          packages: row.packages,
          for_hardware: row.for_hardware,
          apply_configured_networking: row.apply_configured_networking,
          destructive: row.destructive,
          may_reboot: row.may_reboot,
          default: row.is_default,
          bmc_config: row.tags.includes('bmc-config'),
          has_started: status !== 'PENDING',
          has_finished: !openScriptStatuses.includes(status),
        });
        files.push({ path, data: Buffer.from(row.data, 'utf8'), mode: 0o755 });
      }
    }
    const indexFile = {
      path: 'index.json',
      data: Buffer.from(JSON.stringify({ '1.0': index })),
      mode: 0o644,
    };
    return tarArchive([indexFile, ...files], this.deps.nowSeconds());
  }

  /**
   * Stores a signal's result and files. No transaction: at a thousand machines commissioning
   * at once, signals come by the hundred a second, and each round trip counts. The read finds
   * the current sets and the target in one statement; the update is a compare-and-set on the
   * status read, so two signals about the same result at once cannot both apply to one state
   * (the loser reads again and applies to what the winner left).
   */
  async recordSignal(machine: MachineRow, signal: ScriptSignal): Promise<void> {
    const db = this.deps.db;
    const now = this.now();
    const byName = new Map<string, SignalFile[]>();
    for (const file of signal.files)
      byName.set(file.scriptName, [...(byName.get(file.scriptName) ?? []), file]);
    const found = await this.setsAndTarget(machine, signal);
    const { sets } = found;
    let { target } = found;
    // last_ping says the machine is alive: to the ten seconds is more than it needs.
    const stale = sets.filter((s) => s.last_ping === null || now.getTime() - s.last_ping.getTime() >= 10_000);
    if (stale.length > 0)
      await db
        .updateTable('script_sets')
        .set({ last_ping: now })
        .where(
          'id',
          'in',
          stale.map((s) => s.id),
        )
        .execute();
    if (target) {
      const own = [
        ...(byName.get(target.script_name) ?? []),
        ...(signal.name !== undefined && signal.name !== target.script_name
          ? (byName.get(signal.name) ?? [])
          : []),
      ];
      byName.delete(target.script_name);
      if (signal.name !== undefined) byName.delete(signal.name);
      for (let attempt = 0; target && !(await this.storeResult(target, signal, own, now)); attempt++) {
        // Another signal changed the result first: apply this one to what it left.
        if (attempt >= 5)
          throw new AppError('conflict', `Script result ${String(target.id)} keeps changing.`);
        target = await db
          .selectFrom('script_results')
          .select(targetColumns)
          .where('id', '=', target.id)
          .executeTakeFirst();
      }
    }
    for (const [name, files] of byName) {
      const result = await findByName(db, sets, name);
      if (result) await this.storeFiles(db, result.id, files, now);
      else if (sets[0]) await this.createResult(db, sets[0], name, signal, files, now);
    }
  }

  /**
   * The machine's current sets and, in one statement, the result a signal is about: by
   * `script_result_id` (which must be a result of those sets: never another machine's), else
   * by name, the first set's first.
   */
  private async setsAndTarget(
    machine: MachineRow,
    signal: ScriptSignal,
  ): Promise<{ sets: ScriptSetRow[]; target: TargetResult | undefined }> {
    const types = runTypesOf(statusOf(machine));
    const byId = signal.scriptResultId;
    const byName =
      byId === undefined && signal.name !== undefined && signal.name !== '' ? signal.name : undefined;
    if (types.length === 0) {
      if (byId !== undefined) await this.refuseTarget(machine, byId);
      return { sets: [], target: undefined };
    }
    const rows = await this.deps.db
      .with('sets', (db) =>
        db
          .selectFrom('script_sets')
          .selectAll()
          .distinctOn('result_type')
          .where('machine_id', '=', machine.id)
          .where(
            'result_type',
            'in',
            types.map((t) => resultTypes[t].value),
          )
          .orderBy('result_type')
          .orderBy('id', 'desc'),
      )
      .selectFrom('sets')
      .leftJoinLateral(
        (db) =>
          db
            .selectFrom('script_results as r')
            .select(targetColumns.map((c) => `r.${c}` as const))
            .whereRef('r.script_set_id', '=', 'sets.id')
            .where((eb) =>
              byId !== undefined
                ? eb('r.id', '=', byId)
                : byName !== undefined
                  ? eb('r.script_name', '=', byName)
                  : eb.val(false),
            )
            .orderBy('r.id')
            .limit(1)
            .as('t'),
        (join) => join.onTrue(),
      )
      .selectAll('sets')
      // The target's set is the row's own (the lateral join is per set).
      .select(['t.id as t_id', 't.script_name as t_name', 't.status as t_status', 't.started as t_started'])
      .execute();
    // In the order of `types`: the first set's result is the target.
    const ordered = types.flatMap((t) => rows.filter((r) => r.result_type === resultTypes[t].value));
    const sets = ordered.map(({ t_id: _i, t_name: _n, t_status: _s, t_started: _b, ...set }) => set);
    const hit = ordered.find((r) => r.t_id != null);
    const target: TargetResult | undefined =
      hit?.t_id != null && hit.t_name != null && hit.t_status != null
        ? {
            id: hit.t_id,
            script_set_id: hit.id,
            script_name: hit.t_name,
            status: hit.t_status,
            started: hit.t_started ?? null,
          }
        : undefined;
    if (byId !== undefined && !target) await this.refuseTarget(machine, byId);
    return { sets, target };
  }

  /** Why `script_result_id` names no result of the machine's current sets (403 or 400). */
  private async refuseTarget(machine: MachineRow, id: number): Promise<never> {
    const row = await this.deps.db
      .selectFrom('script_results as r')
      .innerJoin('script_sets as s', 's.id', 'r.script_set_id')
      .select('s.machine_id')
      .where('r.id', '=', id)
      .executeTakeFirst();
    if (!row || row.machine_id !== machine.id)
      throw new AppError('forbidden', `Script result ${String(id)} is not a result of this machine.`);
    throw AppError.invalid({
      script_result_id: `Script result ${String(id)} is not in the machine's current script sets.`,
    });
  }

  async hasFailedResults(machine: MachineRow): Promise<boolean> {
    const sets = await currentScriptSets(this.deps.db, machine.id, runTypesOf(statusOf(machine)));
    if (sets.length === 0) return false;
    const rows = await this.deps.db
      .selectFrom('script_results')
      .select(['script_name', 'status', 'suppressed'])
      .where(
        'script_set_id',
        'in',
        sets.map((s) => s.id),
      )
      .execute();
    const outcome = scriptSetOutcome(
      rows.map((r) => ({
        name: r.script_name,
        status: scriptStatusFromValue(r.status),
        suppressed: r.suppressed,
      })),
    );
    return outcome.failed.length > 0;
  }

  /** Applies the signal to `result` as read; false when the result has changed since. */
  private async storeResult(
    result: TargetResult,
    signal: ScriptSignal,
    files: readonly SignalFile[],
    now: Date,
  ): Promise<boolean> {
    const current = scriptStatusFromValue(result.status);
    // A finished result is not overwritten (a repeated or late signal), as in MAAS.
    if (!openScriptStatuses.includes(current)) return true;
    const yaml = files.find((f) => f.part === 'result');
    const next = scriptStatusAfterSignal(current, signal.status, reportedStatus(yaml), signal.exitStatus);
    const final = isFinalSignal(signal.status, signal.exitStatus);
    const started = result.started ?? (runningStatuses.has(next) || final ? now : null);
    const updated = await this.deps.db
      .updateTable('script_results')
      .set({
        status: scriptStatusValue(next),
        started,
        ...(final
          ? {
              ended: now,
              exit_status: signal.exitStatus ?? null,
              runtime_seconds:
                signal.runtime ?? (started === null ? null : (now.getTime() - started.getTime()) / 1000),
            }
          : {}),
        ...parts(files),
        updated: now,
      })
      .where('id', '=', result.id)
      .where('status', '=', result.status)
      .where((eb) =>
        result.started === null ? eb('started', 'is', null) : eb('started', '=', result.started),
      )
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  private async storeFiles(trx: Kysely<Database>, id: number, files: readonly SignalFile[], now: Date) {
    await trx
      .updateTable('script_results')
      .set({ ...parts(files), updated: now })
      .where('id', '=', id)
      .execute();
  }

  /** Output of a script no result stands for (e.g. a log the installer sends): kept as a finished result. */
  private async createResult(
    trx: Kysely<Database>,
    set: ScriptSetRow,
    name: string,
    signal: ScriptSignal,
    files: readonly SignalFile[],
    now: Date,
  ) {
    const status = scriptStatusAfterSignal('RUNNING', signal.status, undefined, signal.exitStatus ?? 0);
    // A log sent while the work goes on (WORKING, no exit status) is kept as passed output.
    const stored: ScriptStatus = status === 'RUNNING' ? 'PASSED' : status;
    await trx
      .insertInto('script_results')
      .values({
        script_set_id: set.id,
        script_name: name,
        status: scriptStatusValue(stored),
        started: now,
        ended: now,
        ...parts(files),
      })
      .execute();
  }
}

/**
 * What a signal needs of the result it updates: not its outputs (bytea, up to megabytes for
 * the resources document), which a signal only ever writes.
 */
const targetColumns = ['id', 'script_set_id', 'script_name', 'status', 'started'] as const;
type TargetResult = Pick<ScriptResultRow, (typeof targetColumns)[number]>;

/** A result named `name` in `sets`, the first set's first. */
async function findByName(
  trx: Kysely<Database>,
  sets: readonly ScriptSetRow[],
  name: string,
): Promise<TargetResult | undefined> {
  if (sets.length === 0) return undefined;
  const query = trx
    .selectFrom('script_results')
    .select(targetColumns)
    .where(
      'script_set_id',
      'in',
      sets.map((s) => s.id),
    )
    .where('script_name', '=', name)
    .orderBy('id');
  const rows = await query.execute();
  for (const set of sets) {
    const row = rows.find((r) => r.script_set_id === set.id);
    if (row) return row;
  }
  return undefined;
}

/** The columns the files fill. */
function parts(files: readonly SignalFile[]): Partial<Record<ResultPart, Buffer>> {
  const out: Partial<Record<ResultPart, Buffer>> = {};
  for (const file of files) out[file.part] = file.data;
  return out;
}

/** The `status:` a script's structured result (`<name>.yaml`) reports, if it is one MAAS knows. */
function reportedStatus(file: SignalFile | undefined): ScriptStatus | undefined {
  if (!file) return undefined;
  try {
    const parsed = parseYaml(file.data.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const status = (parsed as Record<string, unknown>)['status'];
    if (typeof status !== 'string') return undefined;
    const word = status.toLowerCase();
    return Object.hasOwn(reportedScriptStatuses, word) ? reportedScriptStatuses[word] : undefined;
  } catch {
    // A result that is not YAML is kept as it is; it reports nothing.
    return undefined;
  }
}
