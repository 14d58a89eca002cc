import type { PowerTypeDeclaration } from '../power-driver.js';

/**
 * Any installed fence agent (`fence_<agent>` from fence-agents), given its options on stdin
 * as fence agents read them, so no secret is on a command line.
 */
export const fencePowerType: PowerTypeDeclaration = {
  name: 'fence',
  description: 'Fence agent',
  requiredTools: [],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    {
      name: 'fence_agent',
      label: 'Fence agent (e.g. ipmilan)',
      kind: 'string',
      required: true,
      secret: false,
    },
    { name: 'power_address', label: 'IP address', kind: 'string', required: true, secret: false },
    { name: 'power_user', label: 'Login', kind: 'string', required: false, secret: false },
    { name: 'power_pass', label: 'Password', kind: 'password', required: false, secret: true },
    {
      name: 'plug',
      label: 'Plug (port) of this machine',
      kind: 'string',
      required: false,
      secret: false,
      scope: 'node',
    },
    {
      name: 'fence_options',
      label: 'Other options, one name=value per line (e.g. lanplus=1)',
      kind: 'string',
      required: false,
      secret: false,
    },
  ],
};
