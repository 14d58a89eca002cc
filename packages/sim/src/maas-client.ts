import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { MultipartForm } from './multipart-form.js';

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

type Body = URLSearchParams | MultipartForm | string | undefined;

/**
 * Connections kept open between requests: a simulator of a thousand machines sends hundreds of
 * requests a second, and a new connection each would cost both ends more than the requests.
 */
const plain = { transport: http, agent: new http.Agent({ keepAlive: true, maxSockets: 256 }) };
const secure = { transport: https, agent: new https.Agent({ keepAlive: true, maxSockets: 256 }) };

/** The bytes and content type of a request body. */
function encoded(body: Body): { bytes?: Buffer; type?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string') return { bytes: Buffer.from(body), type: 'application/json' };
  if (body instanceof MultipartForm) return { bytes: body.body(), type: body.contentType };
  return { bytes: Buffer.from(body.toString()), type: 'application/x-www-form-urlencoded' };
}

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
    const url = new URL(this.url(path));
    const { bytes, type } = encoded(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers['authorization'] = oauthHeader(this.credentials);
    if (type !== undefined) headers['content-type'] = type;
    if (bytes !== undefined) headers['content-length'] = String(bytes.length);
    const { transport, agent } = url.protocol === 'https:' ? secure : plain;
    const { status, payload } = await new Promise<{ status: number; payload: Buffer }>((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, payload: Buffer.concat(chunks) });
        });
        response.on('error', reject);
      });
      request.setTimeout(this.timeoutMs, () => {
        request.destroy(new Error(`${method} ${url.href}: no answer within ${String(this.timeoutMs)} ms`));
      });
      request.on('error', reject);
      request.end(bytes);
    });
    if (status < 200 || status > 299)
      throw new MaasHttpError(method, url.href, status, payload.toString('utf8'));
    return payload;
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
