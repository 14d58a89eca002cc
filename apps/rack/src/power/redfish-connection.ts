import { Buffer } from 'node:buffer';
import { AppError } from '@ferrum/domain';
import type { HttpAnswer } from './http-client.js';
import { describeUrl } from './http-power-error.js';
import { powerHttpRequest, type PowerHttpSession } from './http-power-request.js';
import { redfishErrorText } from './redfish-resource.js';

/** The Redfish sessions collection (Redfish spec: the login URI every service serves). */
export const redfishSessionsUri = '/redfish/v1/SessionService/Sessions';

/** How a Redfish connection authenticates (`power_auth`). */
export type RedfishAuth = 'session' | 'basic';

export interface RedfishConnectionSettings {
  /** The service's origin (`https://10.0.0.5`). */
  readonly service: URL;
  readonly auth: RedfishAuth;
  readonly user: string;
  readonly password: string;
  /** Everything about the HTTP requests but what the connection fills in itself. */
  readonly http: Omit<PowerHttpSession, 'explain' | 'slashAfter404' | 'secrets' | 'what'>;
  /** How long the session's DELETE may take at the end. */
  readonly logoutTimeoutMs: number;
}

/** A fetched resource: its parsed body and its ETag header. */
export interface RedfishAnswer {
  readonly body: unknown;
  readonly etag?: string;
}

/**
 * One conversation with a Redfish service: a session opened at the start (POST to the
 * sessions collection, then `X-Auth-Token` on every request, DELETE at the end) or HTTP basic
 * authentication on each request. URIs are the service's own (`/redfish/v1/…` paths).
 */
export class RedfishConnection {
  private token: string | undefined;
  private sessionUri: URL | undefined;

  private constructor(private readonly settings: RedfishConnectionSettings) {}

  /** Connects, logging in when the settings ask for a session. */
  static async open(settings: RedfishConnectionSettings): Promise<RedfishConnection> {
    const connection = new RedfishConnection(settings);
    if (settings.auth === 'session') await connection.login();
    return connection;
  }

  async get(uri: string): Promise<RedfishAnswer> {
    const answer = await this.send('GET', uri);
    const etag = answer.headers.etag;
    const body = parseJson(answer, this.url(uri));
    return etag === undefined ? { body } : { body, etag };
  }

  async post(uri: string, payload: unknown): Promise<void> {
    await this.send('POST', uri, payload);
  }

  async patch(uri: string, payload: unknown, etag?: string): Promise<void> {
    await this.send('PATCH', uri, payload, etag === undefined ? {} : { 'if-match': etag });
  }

  /**
   * Ends the session, if one was opened. Best effort, on its own short timeout: a BMC keeps
   * a handful of sessions at most, so a leaked one can lock the next caller out until it
   * expires; but failing to log out does not fail the power call.
   */
  async close(): Promise<void> {
    const uri = this.sessionUri;
    const token = this.token;
    if (uri === undefined || token === undefined) return;
    this.sessionUri = undefined;
    this.token = undefined;
    await powerHttpRequest(
      {
        ...this.session(),
        signal: AbortSignal.timeout(this.settings.logoutTimeoutMs),
        deadline: Date.now() + this.settings.logoutTimeoutMs,
        policy: { tries: 1, firstDelayMs: 0, maxDelayMs: 0 },
      },
      { method: 'DELETE', url: uri, headers: { ...this.baseHeaders(), 'x-auth-token': token } },
    ).catch(() => undefined);
  }

  private async login(): Promise<void> {
    const url = this.url(redfishSessionsUri);
    const answer = await powerHttpRequest(
      { ...this.session(), hints: { ...this.settings.http.hints, ...loginHints } },
      {
        method: 'POST',
        url,
        headers: { ...this.baseHeaders(), 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ UserName: this.settings.user, Password: this.settings.password }),
      },
    );
    const token = answer.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '')
      throw new AppError(
        'power_failed',
        `The BMC at ${describeUrl(url)} opened a session but sent no X-Auth-Token; set power_auth to basic.`,
      );
    this.token = token;
    const location = answer.headers.location ?? odataId(answer);
    // Without a Location there is nothing to DELETE; the session then times out on the BMC.
    if (location !== undefined) this.sessionUri = new URL(location, url);
  }

  private async send(
    method: 'GET' | 'POST' | 'PATCH',
    uri: string,
    payload?: unknown,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...this.baseHeaders(), ...this.authHeaders(), ...extraHeaders };
    if (payload !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    return powerHttpRequest(this.session(), {
      method,
      url: this.url(uri),
      headers,
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
  }

  private url(uri: string): URL {
    const url = new URL(uri, this.settings.service);
    // A resource naming another host would get the credentials: keep to the service.
    if (url.origin !== this.settings.service.origin)
      throw new AppError(
        'power_failed',
        `The BMC at ${this.settings.service.origin} points to ${describeUrl(url)}, outside its own service.`,
      );
    return url;
  }

  private session(): PowerHttpSession {
    return {
      ...this.settings.http,
      what: 'the BMC',
      secrets: [this.settings.password, ...(this.token === undefined ? [] : [this.token])],
      explain: (answer) => redfishErrorText(answer.body),
      slashAfter404: true,
    };
  }

  private baseHeaders(): Record<string, string> {
    return { accept: 'application/json', 'odata-version': '4.0', 'user-agent': 'Ferrum' };
  }

  private authHeaders(): Record<string, string> {
    if (this.token !== undefined) return { 'x-auth-token': this.token };
    const credentials = Buffer.from(`${this.settings.user}:${this.settings.password}`, 'utf8').toString(
      'base64',
    );
    return { authorization: `Basic ${credentials}` };
  }
}

const loginHints = {
  power_settings_invalid: 'If the BMC has no Redfish sessions, set power_auth to basic.',
} as const;

function parseJson(answer: HttpAnswer, url: URL): unknown {
  if (answer.body.trim() === '') return {};
  try {
    return JSON.parse(answer.body) as unknown;
  } catch (cause) {
    throw new AppError('power_failed', `The BMC at ${describeUrl(url)} answered with invalid JSON.`, {
      url: describeUrl(url),
      cause: String(cause),
    });
  }
}

function odataId(answer: HttpAnswer): string | undefined {
  try {
    const id = (JSON.parse(answer.body) as { '@odata.id'?: unknown })['@odata.id'];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
