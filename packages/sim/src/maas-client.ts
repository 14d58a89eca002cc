import { randomBytes } from 'node:crypto';

/** OAuth 1.0a PLAINTEXT credentials, as a MAAS API key `consumer_key:token_key:token_secret` holds them. */
export interface OAuthCredentials {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

/** Credentials from a MAAS API key (`consumer_key:token_key:token_secret`). */
export function credentialsOfApiKey(key: string): OAuthCredentials {
  const parts = key.trim().split(':');
  const [consumerKey, tokenKey, tokenSecret] = parts;
  if (parts.length !== 3 || !consumerKey || !tokenKey || !tokenSecret)
    throw new Error('An API key is consumer_key:token_key:token_secret (ferrum apikey prints one).');
  return { consumerKey, tokenKey, tokenSecret };
}

/** The `Authorization` header of one request (a fresh nonce and timestamp each). */
export function oauthHeader(credentials: OAuthCredentials): string {
  const { consumerKey, tokenKey, tokenSecret } = credentials;
  const quoted = (value: string) => `"${encodeURIComponent(value)}"`;
  return [
    'OAuth realm=""',
    `oauth_consumer_key=${quoted(consumerKey)}`,
    `oauth_token=${quoted(tokenKey)}`,
    'oauth_signature_method="PLAINTEXT"',
    // PLAINTEXT: consumer secret (empty for MAAS) & token secret, percent-encoded.
    `oauth_signature=${quoted(`&${tokenSecret}`)}`,
    `oauth_timestamp="${String(Math.floor(Date.now() / 1000))}"`,
    `oauth_nonce="${randomBytes(12).toString('hex')}"`,
    'oauth_version="1.0"',
  ].join(', ');
}

/** An answer that was not 2xx. */
export class MaasHttpError extends Error {
  override readonly name = 'MaasHttpError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${url}: ${String(status)} ${body.slice(0, 300)}`);
  }
}

type Body = URLSearchParams | FormData | string | undefined;

/**
 * A small HTTP client for a region's MAAS API and metadata API, signing each request with
 * OAuth PLAINTEXT (or none, for the anonymous enlistment calls). Errors name the call.
 */
export class MaasClient {
  constructor(
    /** The region's base URL, e.g. `http://127.0.0.1:5240/MAAS/` (with or without `/MAAS`). */
    readonly baseUrl: string,
    private readonly credentials?: OAuthCredentials,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The same region with other credentials (a machine's, for the metadata API). */
  as(credentials: OAuthCredentials | undefined): MaasClient {
    return new MaasClient(this.baseUrl, credentials, this.timeoutMs);
  }

  /** `path` under `/MAAS/`, e.g. `api/2.0/machines/` or `metadata/2012-03-01/`. */
  url(path: string): string {
    const base = this.baseUrl.replace(/\/+$/, '');
    const root = /\/MAAS$/.test(base) ? base : `${base}/MAAS`;
    return path.startsWith('http') ? path : `${root}/${path.replace(/^\/+/, '')}`;
  }

  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: Body): Promise<Buffer> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers['authorization'] = oauthHeader(this.credentials);
    if (typeof body === 'string') headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new MaasHttpError(method, url, response.status, bytes.toString('utf8'));
    return bytes;
  }

  async json<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: Body): Promise<T> {
    return JSON.parse((await this.request(method, path, body)).toString('utf8')) as T;
  }

  /** A form POST (`application/x-www-form-urlencoded`); repeated keys from arrays. */
  post<T>(path: string, fields: Readonly<Record<string, string | readonly string[]>>): Promise<T> {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(fields))
      for (const one of typeof value === 'string' ? [value] : value) form.append(key, one);
    return this.json<T>('POST', path, form);
  }
}
