import type { PowerTypeDeclaration } from './power-driver.js';
import { fencePowerType } from './power-types/fence.js';
import { ipmiPowerType } from './power-types/ipmi.js';
import { manualPowerType } from './power-types/manual.js';
import { redfishPowerType } from './power-types/redfish.js';
import { simPowerType } from './power-types/sim.js';
import { virshPowerType } from './power-types/virsh.js';
import { wakeonlanPowerType } from './power-types/wakeonlan.js';
import { webhookPowerType } from './power-types/webhook.js';

/** Every power type Ferrum knows, sorted by name: what the region validates against. */
export const powerTypeDeclarations: readonly PowerTypeDeclaration[] = [
  fencePowerType,
  ipmiPowerType,
  manualPowerType,
  redfishPowerType,
  simPowerType,
  virshPowerType,
  wakeonlanPowerType,
  webhookPowerType,
];

export * from './power-types/fence.js';
export * from './power-types/ipmi.js';
export * from './power-types/manual.js';
export * from './power-types/redfish.js';
export * from './power-types/sim.js';
export * from './power-types/virsh.js';
export * from './power-types/wakeonlan.js';
export * from './power-types/webhook.js';
