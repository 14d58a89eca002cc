import type { NodeCredentials } from './node-credential-service.js';

/** A YAML scalar: JSON's string syntax is YAML's double-quoted style. */
const yaml = (value: string): string => JSON.stringify(value);

/**
 * The preseed of a machine's boot (`by-id/<system_id>/?op=get_preseed`): cloud-config that
 * points cloud-init's MAAS datasource at the metadata API with the machine's credentials,
 * reports cloud-init's events to the status webhook, and powers the machine off once the
 * ephemeral work is done (rebooting instead when it installs an OS), unless
 * `/tmp/block-poweroff` (or `/tmp/block-reboot`) exists — MAAS's compose_preseed.
 */
export function machinePreseed(options: {
  readonly metadataUrl: string;
  readonly systemId: string;
  readonly credentials: NodeCredentials;
  readonly installing: boolean;
}): string {
  const { consumerKey, tokenKey, tokenSecret } = options.credentials;
  const creds = [
    `    consumer_key: ${yaml(consumerKey)}`,
    `    token_key: ${yaml(tokenKey)}`,
    `    token_secret: ${yaml(tokenSecret)}`,
  ];
  const mode = options.installing ? 'reboot' : 'poweroff';
  return [
    '#cloud-config',
    'datasource:',
    '  MAAS:',
    `    metadata_url: ${yaml(options.metadataUrl)}`,
    ...creds,
    'reporting:',
    '  maas:',
    '    type: webhook',
    `    endpoint: ${yaml(`${options.metadataUrl}status/${options.systemId}`)}`,
    ...creds,
    'power_state:',
    '  delay: now',
    `  mode: ${mode}`,
    '  timeout: 1800',
    `  condition: ${yaml(`test ! -e /tmp/block-${mode}`)}`,
    '',
  ].join('\n');
}

/** The enlistment preseed (`enlist-preseed/?op=get_enlist_preseed`): the datasource, no credentials. */
export function enlistPreseed(metadataUrl: string): string {
  return [
    '#cloud-config',
    'datasource:',
    '  MAAS:',
    `    metadata_url: ${yaml(`${metadataUrl}enlist/`)}`,
    '',
  ].join('\n');
}
