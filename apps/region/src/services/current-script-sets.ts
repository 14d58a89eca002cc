import type { Kysely } from 'kysely';
import { resultTypes, type NodeStatus, type ResultType } from '@ferrum/domain';
import type { Database, ScriptSetRow } from '../db/schema.js';

/** The result sets a machine works on in `status` (what `maas-scripts` serves and signals fill). */
export function runTypesOf(status: NodeStatus): ResultType[] {
  switch (status) {
    case 'COMMISSIONING':
      return ['commissioning', 'testing'];
    case 'TESTING':
      return ['testing'];
    case 'DEPLOYING':
    case 'DEPLOYED':
      return ['installation'];
    case 'RELEASING':
    case 'DISK_ERASING':
      return ['release'];
    case 'NEW':
    case 'READY':
    case 'ALLOCATED':
    case 'BROKEN':
    case 'MISSING':
    case 'RESERVED':
    case 'RETIRED':
    case 'ENTERING_RESCUE_MODE':
    case 'RESCUE_MODE':
    case 'EXITING_RESCUE_MODE':
    case 'FAILED_COMMISSIONING':
    case 'FAILED_DEPLOYMENT':
    case 'FAILED_DISK_ERASING':
    case 'FAILED_ENTERING_RESCUE_MODE':
    case 'FAILED_EXITING_RESCUE_MODE':
    case 'FAILED_RELEASING':
    case 'FAILED_TESTING':
      return [];
  }
}

/** The machine's current set of each type of `types` (its newest), in the order of `types`. */
export async function currentScriptSets(
  db: Kysely<Database>,
  machineId: number,
  types: readonly ResultType[],
): Promise<ScriptSetRow[]> {
  if (types.length === 0) return [];
  const rows = await db
    .selectFrom('script_sets')
    .selectAll()
    .distinctOn('result_type')
    .where('machine_id', '=', machineId)
    .where(
      'result_type',
      'in',
      types.map((t) => resultTypes[t].value),
    )
    .orderBy('result_type')
    .orderBy('id', 'desc')
    .execute();
  return types.flatMap((t) => rows.filter((r) => r.result_type === resultTypes[t].value));
}
