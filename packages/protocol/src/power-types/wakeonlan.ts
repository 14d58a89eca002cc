import type { PowerTypeDeclaration } from '../power-driver.js';

/**
 * Wake-on-LAN: a magic packet to the machine's MAC. It can only switch a machine on, and its
 * state cannot be asked; work goes to the machine's boot rack (the packet must reach its LAN).
 */
export const wakeonlanPowerType: PowerTypeDeclaration = {
  name: 'wakeonlan',
  description: 'Wake-on-LAN',
  requiredTools: [],
  queryable: false,
  onOnly: true,
  settings: [
    {
      name: 'mac_address',
      label: 'MAC address',
      kind: 'string',
      required: true,
      secret: false,
      scope: 'node',
    },
    {
      name: 'broadcast_address',
      label: 'Broadcast address',
      kind: 'string',
      required: false,
      secret: false,
      default: '255.255.255.255',
    },
    { name: 'port', label: 'UDP port', kind: 'string', required: false, secret: false, default: '9' },
  ],
};
