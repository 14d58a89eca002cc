import { randomBytes } from 'node:crypto';

export interface SignOptions {
  readonly nonce?: string;
  readonly timestamp?: number;
  /** Override the secret (for bad-signature tests). */
  readonly secret?: string;
}

/** An `Authorization: OAuth …` header signed with PLAINTEXT, as gomaasapi and the maas CLI send it. */
export function oauthHeader(apiKey: string, options: SignOptions = {}): string {
  const [consumerKey = '', tokenKey = '', tokenSecret = ''] = apiKey.split(':');
  const params: Record<string, string> = {
    realm: '',
    oauth_consumer_key: consumerKey,
    oauth_token: tokenKey,
    oauth_signature_method: 'PLAINTEXT',
    oauth_signature: `&${options.secret ?? tokenSecret}`,
    oauth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_nonce: options.nonce ?? randomBytes(16).toString('hex'),
    oauth_version: '1.0',
  };
  return `OAuth ${Object.entries(params)
    .map(([k, v]) => `${k}="${encodeURIComponent(v)}"`)
    .join(', ')}`;
}

/** The same parameters as query-string pairs (MAAS also accepts OAuth in the query or body). */
export function oauthQuery(apiKey: string, options: SignOptions = {}): URLSearchParams {
  const header = oauthHeader(apiKey, options).replace(/^OAuth /, '');
  const out = new URLSearchParams();
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) {
    if (match[1] !== 'realm') out.set(match[1] as string, decodeURIComponent(match[2] as string));
  }
  return out;
}
