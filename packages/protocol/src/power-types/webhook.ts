import type { PowerTypeDeclaration } from '../power-driver.js';
import { verifySslSetting } from './choices.js';

/** MAAS's `webhook` power type: HTTP(S) calls to URIs; the query's answer is matched by regexes. */
export const webhookPowerType: PowerTypeDeclaration = {
  name: 'webhook',
  description: 'Webhook',
  requiredTools: [],
  queryable: true,
  addressSetting: 'power_query_uri',
  settings: [
    {
      name: 'power_on_uri',
      label: 'URI to power on the node',
      kind: 'string',
      required: true,
      secret: false,
    },
    {
      name: 'power_off_uri',
      label: 'URI to power off the node',
      kind: 'string',
      required: true,
      secret: false,
    },
    {
      name: 'power_query_uri',
      label: 'URI to query the nodes power status',
      kind: 'string',
      required: true,
      secret: false,
    },
    {
      name: 'power_on_regex',
      label: 'Regex to confirm the node is on',
      kind: 'string',
      required: true,
      secret: false,
      default: String.raw`status.*\:.*running`,
    },
    {
      name: 'power_off_regex',
      label: 'Regex to confirm the node is off',
      kind: 'string',
      required: true,
      secret: false,
      default: String.raw`status.*\:.*stopped`,
    },
    { name: 'power_user', label: 'Power user', kind: 'string', required: false, secret: false },
    { name: 'power_pass', label: 'Power password', kind: 'password', required: false, secret: true },
    {
      name: 'power_token',
      label: 'Power token, will be used in place of power_user and power_pass',
      kind: 'password',
      required: false,
      secret: true,
    },
    verifySslSetting('n'),
  ],
};
