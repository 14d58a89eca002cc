import type { PowerTypeDeclaration } from '../power-driver.js';

/** The machine simulator's BMCs (packages/sim): for tests, benchmarks and trying Ferrum out. */
export const simPowerType: PowerTypeDeclaration = {
  name: 'sim',
  description: 'Simulated machine',
  requiredTools: [],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    { name: 'power_address', label: 'Simulator BMC URL', kind: 'string', required: true, secret: false },
    { name: 'power_id', label: 'Simulated machine', kind: 'string', required: true, secret: false },
  ],
};
