import type { PowerTypeDeclaration } from '../power-driver.js';
import { choices } from './choices.js';

/**
 * MAAS's `ipmi` power type, driven with ipmitool over LAN (IPMI 1.5) or lanplus (2.0).
 * `power_address` may carry a port (`host:623`, `[v6]:623`), which MAAS's freeipmi cannot.
 */
export const ipmiPowerType: PowerTypeDeclaration = {
  name: 'ipmi',
  description: 'IPMI',
  requiredTools: ['ipmitool'],
  queryable: true,
  addressSetting: 'power_address',
  settings: [
    {
      name: 'power_driver',
      label: 'Power driver',
      kind: 'choice',
      required: true,
      secret: false,
      default: 'LAN_2_0',
      choices: choices(['LAN', 'LAN [IPMI 1.5]'], ['LAN_2_0', 'LAN_2_0 [IPMI 2.0]']),
    },
    {
      name: 'power_boot_type',
      label: 'Power boot type',
      kind: 'choice',
      required: false,
      secret: false,
      default: 'auto',
      choices: choices(['auto', 'Automatic'], ['legacy', 'Legacy boot'], ['efi', 'EFI boot']),
    },
    { name: 'power_address', label: 'IP address', kind: 'string', required: true, secret: false },
    { name: 'power_user', label: 'Power user', kind: 'string', required: false, secret: false },
    { name: 'power_pass', label: 'Power password', kind: 'password', required: false, secret: true },
    { name: 'k_g', label: 'K_g BMC key', kind: 'password', required: false, secret: true },
    {
      name: 'cipher_suite_id',
      label: 'Cipher Suite ID',
      kind: 'choice',
      required: false,
      secret: false,
      default: '3',
      choices: choices(
        ['17', '17 - HMAC-SHA256::HMAC_SHA256_128::AES-CBC-128'],
        ['3', '3 - HMAC-SHA1::HMAC-SHA1-96::AES-CBC-128'],
        ['', 'freeipmi-tools default'],
        ['8', '8 - HMAC-MD5::HMAC-MD5-128::AES-CBC-128'],
        ['12', '12 - HMAC-MD5::MD5-128::AES-CBC-128'],
      ),
    },
    {
      name: 'privilege_level',
      label: 'Privilege Level',
      kind: 'choice',
      required: false,
      secret: false,
      default: 'OPERATOR',
      choices: choices(['USER', 'User'], ['OPERATOR', 'Operator'], ['ADMIN', 'Administrator']),
    },
    {
      name: 'mac_address',
      label: 'Power MAC',
      kind: 'string',
      required: false,
      secret: false,
      scope: 'node',
    },
    {
      name: 'power_off_mode',
      label: 'Power off mode',
      kind: 'choice',
      required: false,
      secret: false,
      default: 'hard',
      choices: choices(['soft', 'Soft power off'], ['hard', 'Hard power off']),
    },
  ],
};
