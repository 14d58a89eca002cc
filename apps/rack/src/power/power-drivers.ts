import type { PowerDriver } from '@ferrum/protocol';
import { ipmiDriver } from './ipmi-driver.js';
import { manualDriver } from './manual-driver.js';
import { redfishDriver } from './redfish-driver.js';
import { webhookDriver } from './webhook-driver.js';

/** The power drivers every rack runs. */
export function powerDrivers(): PowerDriver[] {
  return [ipmiDriver, manualDriver, redfishDriver, webhookDriver];
}
