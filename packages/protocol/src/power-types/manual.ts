import type { PowerTypeDeclaration } from '../power-driver.js';

/** MAAS's `manual`: the operator switches the machine by hand; its state is never known. */
export const manualPowerType: PowerTypeDeclaration = {
  name: 'manual',
  description: 'Manual',
  settings: [],
  requiredTools: [],
  queryable: false,
};
