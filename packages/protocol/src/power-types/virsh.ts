import type { PowerTypeDeclaration } from '../power-driver.js';

/** MAAS's `virsh` power type: libvirt domains through `virsh --connect <address>`. */
export const virshPowerType: PowerTypeDeclaration = {
  name: 'virsh',
  description: 'Virsh (virtual systems)',
  requiredTools: ['virsh'],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    { name: 'power_address', label: 'Address', kind: 'string', required: true, secret: false },
    { name: 'power_pass', label: 'Password (optional)', kind: 'password', required: false, secret: true },
    { name: 'power_id', label: 'Virsh VM ID', kind: 'string', required: true, secret: false, scope: 'node' },
  ],
};
