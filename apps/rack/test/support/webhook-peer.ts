// A webhook power endpoint for tests: HTTP, or HTTPS with a given certificate, on 127.0.0.1.
// POST /machines/<id>/power-on and /power-off switch a machine; GET /machines/<id>/status
// answers `{"status": "running"}` or `{"status": "stopped"}` (what MAAS's default regexes
// match). It requires a bearer token or basic credentials, can fail on purpose, and keeps
// every request for the test to look at.
import { Buffer } from 'node:buffer';
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './test-certificate.js';

export type WebhookPeerAuth =
  { readonly token: string } | { readonly user: string; readonly password: string } | 'none';

export interface WebhookPeerOptions {
  readonly auth: WebhookPeerAuth;
  /** HTTPS with this certificate; plain HTTP without. */
  readonly certificate?: TestCertificate;
  /** Machines known, all stopped at first (default: `m1`). */
  readonly machines?: readonly string[];
  /** Routes answer only with a trailing slash (some BMCs' web servers do). */
  readonly trailingSlash?: boolean;
}

export interface WebhookPeerRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authorization?: string;
  readonly systemId?: string;
}

export class WebhookPeer {
  readonly requests: WebhookPeerRequest[] = [];
  /** Each machine's state; tests may set it. */
  readonly state = new Map<string, 'running' | 'stopped'>();
  /** A status body to send instead of the JSON one, per machine. */
  readonly statusBody = new Map<string, string>();
  private failures = { remaining: 0, status: 503 };

  private constructor(
    private readonly server: Server,
    private readonly options: WebhookPeerOptions,
  ) {
    for (const id of options.machines ?? ['m1']) this.state.set(id, 'stopped');
  }

  static async start(options: WebhookPeerOptions): Promise<WebhookPeer> {
    const server = options.certificate
      ? createTlsServer({ key: options.certificate.key, cert: options.certificate.cert })
      : createPlainServer();
    const peer = new WebhookPeer(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      peer.handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return peer;
  }

  /** The base URL, `http(s)://127.0.0.1:<port>`. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.options.certificate ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** The three URIs of a machine, as power parameters. */
  uris(id: string): { power_on_uri: string; power_off_uri: string; power_query_uri: string } {
    return {
      power_on_uri: `${this.url}/machines/${id}/power-on`,
      power_off_uri: `${this.url}/machines/${id}/power-off`,
      power_query_uri: `${this.url}/machines/${id}/status`,
    };
  }

  /** The next `count` requests answer `status` (503 by default). */
  failNext(count: number, status = 503): void {
    this.failures = { remaining: count, status };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    // The body is not used; it is read so the connection stays healthy.
    request.resume();
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const path = new URL(request.url ?? '/', 'http://peer').pathname;
      const { status, body, headers } = this.answer(method, path, request.headers.authorization);
      const systemId = request.headers['system_id'];
      this.requests.push({
        method,
        path,
        status,
        ...(request.headers.authorization === undefined
          ? {}
          : { authorization: request.headers.authorization }),
        ...(typeof systemId === 'string' ? { systemId } : {}),
      });
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      });
      response.end(body);
    });
  }

  private answer(
    method: string,
    path: string,
    authorization: string | undefined,
  ): { status: number; body: string; headers?: Record<string, string> } {
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      return { status: this.failures.status, body: '{"error": "temporarily unavailable"}' };
    }
    if (!this.authorised(authorization))
      return {
        status: 401,
        body: '{"error": "unauthorised"}',
        headers: {
          'www-authenticate': 'token' in (this.options.auth as object) ? 'Bearer' : 'Basic realm="webhook"',
        },
      };
    const slash = this.options.trailingSlash === true;
    if (slash !== path.endsWith('/')) return { status: 404, body: '{"error": "not found"}' };
    const match = /^\/machines\/([^/]+)\/(power-on|power-off|status)\/?$/.exec(path);
    const id = match?.[1];
    if (id === undefined || !this.state.has(id)) return { status: 404, body: '{"error": "not found"}' };
    const action = match?.[2];
    if (action === 'status') {
      if (method !== 'GET')
        return { status: 405, body: '{"error": "method not allowed"}', headers: { allow: 'GET' } };
      const body = this.statusBody.get(id) ?? JSON.stringify({ id, status: this.state.get(id) });
      return { status: 200, body };
    }
    if (method !== 'POST')
      return { status: 405, body: '{"error": "method not allowed"}', headers: { allow: 'POST' } };
    this.state.set(id, action === 'power-on' ? 'running' : 'stopped');
    return { status: 200, body: JSON.stringify({ id, status: this.state.get(id) }) };
  }

  private authorised(authorization: string | undefined): boolean {
    const auth = this.options.auth;
    if (auth === 'none') return true;
    if ('token' in auth) return authorization === `Bearer ${auth.token}`;
    const expected = Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64');
    return authorization === `Basic ${expected}`;
  }
}
