import type { PowerDriver } from '@ferrum/protocol';
import { fenceDriver } from './fence-driver.js';
import { ipmiDriver } from './ipmi-driver.js';
import { manualDriver } from './manual-driver.js';
import { redfishDriver } from './redfish-driver.js';
import { simDriver } from './sim-driver.js';
import { virshDriver } from './virsh-driver.js';
import { wakeonlanDriver } from './wakeonlan-driver.js';
import { webhookDriver } from './webhook-driver.js';

/** The power drivers every rack runs. */
export function powerDrivers(): PowerDriver[] {
  return [
    fenceDriver,
    ipmiDriver,
    manualDriver,
    redfishDriver,
    simDriver,
    virshDriver,
    wakeonlanDriver,
    webhookDriver,
  ];
}
