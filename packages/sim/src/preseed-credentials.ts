import type { OAuthCredentials } from './maas-client.js';

/**
 * The metadata credentials in a machine's preseed: cloud-config whose `datasource: MAAS:`
 * holds `consumer_key`, `token_key` and `token_secret` (plain or quoted scalars).
 */
export function credentialsOfPreseed(preseed: string): OAuthCredentials {
  const value = (key: string): string => {
    const match = new RegExp(`^\\s*${key}:\\s*(.+?)\\s*$`, 'm').exec(preseed);
    const raw = match?.[1];
    if (raw === undefined) throw new Error(`The preseed has no ${key}: is the machine booting for work?`);
    return raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.replace(/^'(.*)'$/, '$1');
  };
  return {
    consumerKey: value('consumer_key'),
    tokenKey: value('token_key'),
    tokenSecret: value('token_secret'),
  };
}
