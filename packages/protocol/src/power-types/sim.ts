import type { PowerTypeDeclaration } from '../power-driver.js';

/**
 * The machine simulator's BMCs (packages/sim): for tests, benchmarks and trying Ferrum out.
 * `power_address` is the simulator's base URL and `power_id` the machine on it; each simulated
 * machine is its own BMC (both settings are BMC-scoped), so work on one does not wait for
 * another. `power_pass`, when set, goes as a bearer token.
 */
export const simPowerType: PowerTypeDeclaration = {
  name: 'sim',
  description: 'Simulated machine',
  requiredTools: [],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    { name: 'power_address', label: 'Simulator BMC URL', kind: 'string', required: true, secret: false },
    { name: 'power_id', label: 'Simulated machine', kind: 'string', required: true, secret: false },
    {
      name: 'power_pass',
      label: 'Simulator token (optional)',
      kind: 'password',
      required: false,
      secret: true,
    },
  ],
};
