import type { HandlerDef } from '../handler.js';
import { accountHandlers } from './account.js';
import { compatHandlers } from './compat.js';
import { domainsHandlers } from './domains.js';
import { eventsHandlers } from './events.js';
import { machinesHandlers } from './machines.js';
import { licenseKeysHandlers } from './license-keys.js';
import { rackControllersHandlers } from './rackcontrollers.js';
import { maasHandlers } from './maas.js';
import { regionControllersHandlers } from './regioncontrollers.js';
import { tagsHandlers } from './tags.js';
import { usersHandlers } from './users.js';
import { versionHandlers } from './version.js';
import { poolsHandlers, zonesHandlers } from './zones.js';
import { fabricsHandlers } from './fabrics.js';
import { vlansHandlers } from './vlans.js';
import { spacesHandlers } from './spaces.js';
import { ipAddressesHandlers } from './ipaddresses.js';
import { subnetsHandlers } from './subnets.js';
import { ipRangesHandlers } from './ipranges.js';
import { staticRoutesHandlers } from './static-routes.js';
import { reservedIpsHandlers } from './reservedips.js';
import { devicesHandlers } from './devices.js';
import { interfacesHandlers } from './interfaces.js';
import { scriptsHandlers } from './scripts.js';
import { nodeDevicesHandlers } from './node-devices.js';
import { nodeScriptResultsHandlers } from './node-script-results.js';

/** Every MAAS API 2.0 handler: the one registry that routes requests and generates describe/. */
export function allMaasHandlers(ferrumVersion: string): HandlerDef[] {
  return [
    ...versionHandlers(ferrumVersion),
    ...maasHandlers,
    ...usersHandlers,
    ...accountHandlers,
    ...zonesHandlers,
    ...poolsHandlers,
    ...tagsHandlers,
    ...domainsHandlers,
    ...eventsHandlers,
    ...machinesHandlers,
    ...rackControllersHandlers,
    ...licenseKeysHandlers,
    ...regionControllersHandlers,
    ...fabricsHandlers,
    ...vlansHandlers,
    ...spacesHandlers,
    ...ipAddressesHandlers,
    ...subnetsHandlers,
    ...ipRangesHandlers,
    ...staticRoutesHandlers,
    ...reservedIpsHandlers,
    ...devicesHandlers,
    ...interfacesHandlers,
    ...scriptsHandlers,
    ...nodeScriptResultsHandlers,
    ...nodeDevicesHandlers,
    ...compatHandlers,
  ];
}
