import type { PowerTypeDeclaration } from '../power-driver.js';
import { choices, verifySslSetting } from './choices.js';

/**
 * MAAS's `redfish` power type: HTTPS to the BMC's Redfish service. Ferrum adds the one-time
 * boot target (`Pxe` or `UefiHttp`), the authentication method, and certificate checking,
 * which is on unless turned off (MAAS never checks).
 */
export const redfishPowerType: PowerTypeDeclaration = {
  name: 'redfish',
  description: 'Redfish',
  requiredTools: [],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    { name: 'power_address', label: 'Redfish address', kind: 'string', required: true, secret: false },
    { name: 'power_user', label: 'Redfish user', kind: 'string', required: true, secret: false },
    { name: 'power_pass', label: 'Redfish password', kind: 'password', required: true, secret: true },
    { name: 'node_id', label: 'Node ID', kind: 'string', required: false, secret: false, scope: 'node' },
    verifySslSetting('y'),
    {
      name: 'power_boot_target',
      label: 'One-time boot target',
      kind: 'choice',
      required: false,
      secret: false,
      default: 'Pxe',
      choices: choices(['Pxe', 'PXE'], ['UefiHttp', 'UEFI HTTP boot']),
    },
    {
      name: 'power_auth',
      label: 'Authentication',
      kind: 'choice',
      required: false,
      secret: false,
      default: 'session',
      choices: choices(['session', 'Redfish session'], ['basic', 'HTTP basic']),
    },
  ],
};
