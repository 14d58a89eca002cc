import { Buffer } from 'node:buffer';
import { request as plainRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as tlsRequest, type RequestOptions } from 'node:https';
import type { SecureContext } from 'node:tls';
import { HttpTransportError, type HttpTransportFailure } from './http-transport-error.js';

/** One HTTP(S) request as the power drivers make it: bounded in time and size, cancellable. */
export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange, redirects included: connect, send, and read the answer. */
  readonly timeoutMs: number;
  /** Aborted → the request is torn down and the promise rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /** https only: check the certificate (against `trust`, else Node's bundled CAs) or accept any. */
  readonly verifyTls: boolean;
  readonly trust?: SecureContext;
  /** The answer's body is refused past this many bytes. */
  readonly maxBodyBytes: number;
  /** Redirects followed (default 0: a 3xx is returned as the answer). */
  readonly maxRedirects?: number;
}

/** A complete answer, whatever its status. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Where it came from (differs from the call's URL after a redirect). */
  readonly url: URL;
}

// Headers that carry credentials: never sent on to another origin by a redirect.
const credentialHeaders = ['authorization', 'x-auth-token', 'cookie'];

/**
 * Makes one HTTP or HTTPS request with node:http (no connection pooling: BMCs are slow to
 * hand out sockets and few are asked at once). It resolves with any complete answer, 4xx
 * and 5xx included, and rejects with an `HttpTransportError` when none came, or with the
 * signal's reason when aborted. Redirects (up to `maxRedirects`) follow fetch's rules: 303,
 * and 301/302 after a POST, become a GET without a body; credentials stay on the origin.
 */
export async function httpRequest(call: HttpCall): Promise<HttpAnswer> {
  const deadline = Date.now() + call.timeoutMs;
  let current = call;
  for (let hops = 0; ; hops++) {
    const answer = await exchange(current, Math.max(1, deadline - Date.now()));
    const location = answer.headers.location;
    if (![301, 302, 303, 307, 308].includes(answer.status) || location === undefined) return answer;
    if (hops >= (call.maxRedirects ?? 0)) {
      if ((call.maxRedirects ?? 0) === 0) return answer;
      throw new HttpTransportError('protocol', `more than ${hops} redirects`);
    }
    current = redirected(current, answer.status, location);
  }
}

function redirected(call: HttpCall, status: number, location: string): HttpCall {
  let url: URL;
  try {
    url = new URL(location, call.url);
  } catch (cause) {
    throw new HttpTransportError(
      'protocol',
      `a redirect to an invalid location ${JSON.stringify(location)}`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HttpTransportError('protocol', `a redirect to a ${url.protocol} URL`);
  const toGet = status === 303 || ((status === 301 || status === 302) && call.method === 'POST');
  const headers = Object.fromEntries(
    Object.entries(call.headers ?? {}).filter(([name]) => {
      const lower = name.toLowerCase();
      const credential = url.origin !== call.url.origin && credentialHeaders.includes(lower);
      return !credential && !(toGet && lower === 'content-type');
    }),
  );
  const { body: _body, ...rest } = call;
  return {
    ...rest,
    url,
    headers,
    method: toGet ? 'GET' : call.method,
    ...(toGet || call.body === undefined ? {} : { body: call.body }),
  };
}

function exchange(call: HttpCall, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    call.signal.throwIfAborted();
    const tls = call.url.protocol === 'https:';
    if (!tls && call.url.protocol !== 'http:')
      throw new HttpTransportError('protocol', `${call.url.protocol} is not HTTP`);
    const headers: Record<string, string> = { ...call.headers };
    const body = call.body ?? (call.method === 'GET' || call.method === 'DELETE' ? undefined : '');
    // An explicit length: some BMCs answer 411 to a chunked POST, even an empty one.
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const options: RequestOptions = {
      method: call.method,
      headers,
      agent: false,
      ...(tls
        ? {
            rejectUnauthorized: call.verifyTls,
            ...(call.verifyTls && call.trust ? { secureContext: call.trust } : {}),
          }
        : {}),
    };
    const request = (tls ? tlsRequest : plainRequest)(call.url, options);

    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    // An HttpTransportError, or the signal's reason (whatever the caller aborted with).
    const fail = (error: unknown): void => {
      settle(() => {
        request.destroy();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason is the caller's to choose
        reject(error);
      });
    };
    const onAbort = (): void => {
      fail(call.signal.reason);
    };
    const timer = setTimeout(() => {
      fail(new HttpTransportError('timeout', `no answer within ${seconds(timeoutMs)}`));
    }, timeoutMs);
    call.signal.addEventListener('abort', onAbort, { once: true });

    request.on('error', (error) => {
      fail(transportError(error));
    });
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > call.maxBodyBytes)
          fail(new HttpTransportError('too_large', `an answer longer than ${call.maxBodyBytes} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', (error) => {
        fail(transportError(error));
      });
      response.on('close', () => {
        if (!response.complete)
          fail(new HttpTransportError('connect', 'the connection closed before the answer was complete'));
      });
      response.on('end', () => {
        settle(() => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            url: call.url,
          });
        });
      });
    });
    request.end(body);
  });
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

// OpenSSL's verification failures (Node names them by OpenSSL's code) and Node's own host check.
const untrustedCertificate = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const connectReasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to the host',
  EHOSTDOWN: 'the host is down',
  ENETUNREACH: 'the network is unreachable',
  ENETDOWN: 'the network is down',
  EADDRNOTAVAIL: 'no local address to connect from',
  // A temporary DNS failure is worth another try, unlike a name that does not exist.
  EAI_AGAIN: 'the host name could not be resolved for now',
};

/** Node's socket, DNS and TLS errors in the classes the drivers tell apart. */
export function transportError(error: unknown): HttpTransportError {
  if (error instanceof HttpTransportError) return error;
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  const failure = (kind: HttpTransportFailure, message: string): HttpTransportError =>
    new HttpTransportError(kind, message, { cause: error });
  if (typeof code !== 'string') return failure('protocol', text);
  if (untrustedCertificate.has(code)) return failure('tls_untrusted', text);
  const reason = connectReasons[code];
  if (reason !== undefined) return failure('connect', reason);
  if (code === 'ENOTFOUND' || code === 'EAI_FAIL' || code === 'EAI_NONAME')
    return failure('dns', 'the host name does not resolve');
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO')
    return failure('tls', text);
  return failure('protocol', `${text} (${code})`);
}
