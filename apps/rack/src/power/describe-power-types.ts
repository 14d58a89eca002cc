import type { PowerDriver, PowerSetting, powerDescribeTypes, ResultOf } from '@ferrum/protocol';

import { packageOf } from './tool-packages.js';

export { toolOnPath } from './tool-on-path.js';

/** The `power.describeTypes` answer. */
export type PowerTypesResult = ResultOf<typeof powerDescribeTypes>;
type PowerField = PowerTypesResult['powerTypes'][number]['fields'][number];

/**
 * The drivers as `power.describeTypes` lists them, in the order given: their settings in the
 * RPC's field shape, and the Debian packages of the programs each needs that `hasTool` does not
 * find.
 */
export async function describePowerTypes(
  drivers: readonly PowerDriver[],
  hasTool: (name: string) => Promise<boolean>,
): Promise<PowerTypesResult> {
  // One look per program, however many drivers need it.
  const lookups = new Map<string, Promise<boolean>>();
  const found = (tool: string): Promise<boolean> => {
    let lookup = lookups.get(tool);
    if (!lookup) lookups.set(tool, (lookup = hasTool(tool)));
    return lookup;
  };
  const powerTypes = await Promise.all(
    drivers.map(async (driver) => {
      const tools = [...new Set(driver.requiredTools)];
      const present = await Promise.all(tools.map(found));
      return {
        name: driver.name,
        description: driver.description,
        fields: driver.settings.map(toField),
        missingPackages: [...new Set(tools.filter((_, i) => present[i] !== true).map(packageOf))],
        queryable: driver.queryable,
      };
    }),
  );
  return { powerTypes };
}

function toField(setting: PowerSetting): PowerField {
  return {
    name: setting.name,
    label: setting.label,
    required: setting.required,
    fieldType: setting.kind,
    choices:
      setting.kind === 'choice' ? setting.choices.map((c): [string, string] => [c.value, c.label]) : [],
    default: setting.default ?? '',
    scope: setting.scope ?? 'bmc',
    // A password is secret whatever its declaration says.
    secret: setting.secret || setting.kind === 'password',
  };
}
