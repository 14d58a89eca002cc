import type { PowerSetting, PowerSettingChoice } from '../power-driver.js';

/** `[value, label]` pairs as choices. */
export function choices(...pairs: readonly (readonly [string, string])[]): PowerSettingChoice[] {
  return pairs.map(([value, label]) => ({ value, label }));
}

/** MAAS's `power_verify_ssl` choice (`n` or `y`). */
export function verifySslSetting(defaultValue: 'n' | 'y'): PowerSetting {
  return {
    name: 'power_verify_ssl',
    label: 'Verify SSL connections with system CA certificates',
    kind: 'choice',
    required: true,
    secret: false,
    default: defaultValue,
    choices: choices(['n', 'No'], ['y', 'Yes']),
  };
}
