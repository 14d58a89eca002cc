import {
  enumKeyOf,
  hardwareTypes,
  scriptParallels,
  scriptTypes,
  type HardwareType,
  type ScriptParallel,
  type ScriptType,
} from '@ferrum/domain';
import type { ScriptRow, ScriptsTable } from '../db/schema.js';
import type { Insertable } from 'kysely';
import type { ScriptFields } from './script-fields.js';

/** A stored script's settings as the field checks read them. */
export function scriptFieldsOf(row: ScriptRow): ScriptFields {
  return {
    name: row.name,
    title: row.title,
    description: row.description,
    tags: row.tags,
    type: enumKeyOf(scriptTypes, row.script_type) ?? ('testing' satisfies ScriptType),
    hardwareType: enumKeyOf(hardwareTypes, row.hardware_type) ?? ('node' satisfies HardwareType),
    parallel: enumKeyOf(scriptParallels, row.parallel) ?? ('disabled' satisfies ScriptParallel),
    timeoutSeconds: row.timeout_seconds,
    destructive: row.destructive,
    mayReboot: row.may_reboot,
    recommission: row.recommission,
    forHardware: row.for_hardware,
    packages: row.packages,
    parameters: row.parameters,
    results: row.results,
    applyConfiguredNetworking: row.apply_configured_networking,
  };
}

/** The columns of a script's settings (name included). */
export function scriptColumnsOf(fields: ScriptFields) {
  return {
    name: fields.name,
    title: fields.title,
    description: fields.description,
    tags: [...fields.tags],
    script_type: scriptTypes[fields.type].value,
    hardware_type: hardwareTypes[fields.hardwareType].value,
    parallel: scriptParallels[fields.parallel].value,
    timeout_seconds: fields.timeoutSeconds,
    destructive: fields.destructive,
    may_reboot: fields.mayReboot,
    recommission: fields.recommission,
    for_hardware: [...fields.forHardware],
    packages: JSON.stringify(fields.packages),
    parameters: JSON.stringify(fields.parameters),
    results: JSON.stringify(fields.results ?? {}),
    apply_configured_networking: fields.applyConfiguredNetworking,
  } satisfies Partial<Insertable<ScriptsTable>>;
}
