import { sql, type Kysely } from 'kysely';
import {
  failedScriptStatuses,
  hardwareTypes,
  resultTypes,
  runningScriptStatuses,
  scriptSetOutcome,
  scriptStatusFromValue,
  scriptStatusValue,
  type HardwareType,
} from '@ferrum/domain';
import type { Database } from '../db/schema.js';

/** MAAS's status of a group of results none of which counts: -1, "Unknown". */
export const noScriptStatus = -1;

/**
 * What the machine JSON shows of a machine's script results (MAAS's NodeHandler
 * `current_*_result_id`, `commissioning_status`, `testing_status`, `*_test_status`): ids of
 * its newest sets, and script status numbers, -1 where no result counts.
 */
export interface MachineScriptStatuses {
  readonly currentCommissioningId: number | null;
  readonly currentTestingId: number | null;
  readonly currentInstallationId: number | null;
  readonly commissioning: number;
  readonly testing: number;
  /** Testing status by the hardware type of the tests' scripts (gpu only counts in `testing`). */
  readonly tests: Readonly<Record<Exclude<HardwareType, 'gpu'>, number>>;
}

/** A machine with no script set: every id null, every status -1. */
export const noScriptStatuses: MachineScriptStatuses = Object.freeze({
  currentCommissioningId: null,
  currentTestingId: null,
  currentInstallationId: null,
  commissioning: noScriptStatus,
  testing: noScriptStatus,
  tests: Object.freeze({
    node: noScriptStatus,
    cpu: noScriptStatus,
    memory: noScriptStatus,
    storage: noScriptStatus,
    network: noScriptStatus,
  }),
});

/** One of a machine's latest results (the newest of its script on its device), as aggregated. */
export interface LatestResult {
  /** MAAS's RESULT_TYPE number of the result's set. */
  readonly resultType: number;
  /** The script's HARDWARE_TYPE number; node (0) when no script stands for the result. */
  readonly hardwareType: number;
  /** MAAS's SCRIPT_STATUS number. */
  readonly status: number;
  readonly suppressed: boolean;
}

/** The newest set id of each result type, as read from script_sets. */
export interface CurrentSetIds {
  readonly commissioning?: number | undefined;
  readonly testing?: number | undefined;
  readonly installation?: number | undefined;
}

/**
 * MAAS's status of a group of results (get_status_from_qs): -1 when there is none; else the
 * set-status precedence over the results not suppressed (PASSED when every one is), every
 * running status shown as RUNNING and every failed one as FAILED (get_overall_status).
 */
export function groupStatus(results: readonly LatestResult[]): number {
  if (results.length === 0) return noScriptStatus;
  const outcome = scriptSetOutcome(
    results.map((r) => ({ name: '', status: scriptStatusFromValue(r.status), suppressed: r.suppressed })),
  );
  const status = outcome.status ?? 'PASSED';
  if (runningScriptStatuses.includes(status)) return scriptStatusValue('RUNNING');
  if (failedScriptStatuses.includes(status)) return scriptStatusValue('FAILED');
  return scriptStatusValue(status);
}

const aborted = scriptStatusValue('ABORTED');
const testedHardware = ['node', 'cpu', 'memory', 'storage', 'network'] as const;

/**
 * A machine's statuses from its latest results and newest sets, as MAAS's machine API reads
 * them: installation results do not count towards its health and aborted ones are left out
 * (LP: #1724235); the hardware statuses are of the testing results alone.
 */
export function machineScriptStatuses(
  current: CurrentSetIds,
  latest: readonly LatestResult[],
): MachineScriptStatuses {
  const counted = latest.filter((r) => r.status !== aborted);
  const commissioning = counted.filter((r) => r.resultType === resultTypes.commissioning.value);
  const testing = counted.filter((r) => r.resultType === resultTypes.testing.value);
  const tests = Object.fromEntries(
    testedHardware.map((type) => [
      type,
      groupStatus(testing.filter((r) => r.hardwareType === hardwareTypes[type].value)),
    ]),
  ) as Record<(typeof testedHardware)[number], number>;
  return {
    currentCommissioningId: current.commissioning ?? null,
    currentTestingId: current.testing ?? null,
    currentInstallationId: current.installation ?? null,
    commissioning: groupStatus(commissioning),
    testing: groupStatus(testing),
    tests,
  };
}

interface StatusRow {
  machine_id: number;
  result_type: number;
  /** Null on a row of a newest set id. */
  hardware_type: number | null;
  status: number | null;
  suppressed: boolean | null;
  /** The newest set of the type; null on a row of results. */
  set_id: number | null;
}

const groupedTypes = [resultTypes.commissioning.value, resultTypes.testing.value];
const currentTypes = [
  resultTypes.commissioning.value,
  resultTypes.testing.value,
  resultTypes.installation.value,
];

/**
 * The script statuses of the machines `machineIds`, in one statement whatever their number;
 * machines with no script set are left out (they show {@link noScriptStatuses}).
 *
 * MAAS reads a machine's health from its latest results (Node.get_latest_script_results): the
 * newest result of each script on each disk or interface, across all its sets, so a test not
 * run again keeps its last word. Rows come back grouped by status, not one a result.
 */
export async function loadMachineScriptStatuses(
  db: Kysely<Database>,
  machineIds: readonly number[],
): Promise<Map<number, MachineScriptStatuses>> {
  const out = new Map<number, MachineScriptStatuses>();
  if (machineIds.length === 0) return out;
  const ids = [...machineIds];
  const { rows } = await sql<StatusRow>`
    WITH latest AS (
      SELECT DISTINCT ON (ss.machine_id, r.script_name, r.physical_blockdevice_id, r.interface_id)
        ss.machine_id, ss.result_type, coalesce(s.hardware_type, 0) AS hardware_type, r.status, r.suppressed
      FROM script_sets ss
      JOIN script_results r ON r.script_set_id = ss.id
      LEFT JOIN scripts s ON s.id = r.script_id
      WHERE ss.machine_id = ANY(${ids}::int[]) AND ss.result_type = ANY(${groupedTypes}::int[])
      ORDER BY ss.machine_id, r.script_name, r.physical_blockdevice_id, r.interface_id, r.id DESC
    )
    SELECT machine_id, result_type, hardware_type, status, suppressed, NULL::int AS set_id
    FROM latest GROUP BY machine_id, result_type, hardware_type, status, suppressed
    UNION ALL
    SELECT machine_id, result_type, NULL, NULL, NULL, max(id)
    FROM script_sets
    WHERE machine_id = ANY(${ids}::int[]) AND result_type = ANY(${currentTypes}::int[])
    GROUP BY machine_id, result_type`.execute(db);
  const byMachine = new Map<number, { current: Record<string, number>; latest: LatestResult[] }>();
  for (const row of rows) {
    let entry = byMachine.get(row.machine_id);
    if (!entry) {
      entry = { current: {}, latest: [] };
      byMachine.set(row.machine_id, entry);
    }
    if (row.set_id !== null) {
      const type = currentTypeNames.get(row.result_type);
      if (type !== undefined) entry.current[type] = row.set_id;
    } else if (row.status !== null)
      entry.latest.push({
        resultType: row.result_type,
        hardwareType: row.hardware_type ?? 0,
        status: row.status,
        suppressed: row.suppressed ?? false,
      });
  }
  for (const [machineId, { current, latest }] of byMachine)
    out.set(machineId, machineScriptStatuses(current, latest));
  return out;
}

const currentTypeNames = new Map<number, keyof CurrentSetIds>([
  [resultTypes.commissioning.value, 'commissioning'],
  [resultTypes.testing.value, 'testing'],
  [resultTypes.installation.value, 'installation'],
]);
