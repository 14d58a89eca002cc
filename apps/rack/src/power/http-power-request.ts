import type { SecureContext } from 'node:tls';
import { AppError } from '@ferrum/domain';
import { httpRequest, type HttpAnswer, type HttpCall } from './http-client.js';
import { describeUrl, judgeStatus, judgeTransport, type PowerHttpPeer } from './http-power-error.js';
import { withRetries, type RetryPolicy, type RetryVerdict } from './http-retry.js';
import { HttpTransportError } from './http-transport-error.js';

/** What every request of one driver call shares. */
export interface PowerHttpSession {
  readonly signal: AbortSignal;
  /** Epoch ms: the call's own timeout, retries and waits included. */
  readonly deadline: number;
  readonly requestTimeoutMs: number;
  readonly policy: RetryPolicy;
  readonly verifyTls: boolean;
  readonly trust?: () => Promise<SecureContext>;
  readonly maxBodyBytes: number;
  readonly maxRedirects: number;
  /** `the BMC`, `the webhook`: how messages name the peer. */
  readonly what: string;
  readonly hints?: PowerHttpPeer['hints'];
  /** Values masked in any text the peer sends back before it goes into a message. */
  readonly secrets: readonly string[];
  /** The peer's explanation in an error answer, from its body (e.g. Redfish's ExtendedInfo). */
  readonly explain: (answer: HttpAnswer) => string | undefined;
  /** MAAS's retry of a 404 with a trailing slash ("varying requirements of BMC manufacturers"). */
  readonly slashAfter404: boolean;
}

/** One request of a power call. */
export interface PowerHttpRequest {
  readonly method: HttpCall['method'];
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Makes a request and resolves with its 2xx answer; anything else rejects with an `AppError`
 * of a `power_*` code naming the peer, the status and what the peer said. Connection errors,
 * timeouts and 5xx are tried again under the session's policy and deadline; auth and settings
 * answers are not.
 */
export async function powerHttpRequest(
  session: PowerHttpSession,
  request: PowerHttpRequest,
): Promise<HttpAnswer> {
  session.signal.throwIfAborted();
  const trust = session.verifyTls && request.url.protocol === 'https:' ? await session.trust?.() : undefined;
  const once = async (url: URL, timeoutMs: number): Promise<HttpAnswer> =>
    httpRequest({
      method: request.method,
      url,
      ...(request.headers ? { headers: request.headers } : {}),
      ...(request.body === undefined ? {} : { body: request.body }),
      timeoutMs: Math.min(timeoutMs, session.requestTimeoutMs),
      signal: session.signal,
      verifyTls: session.verifyTls,
      ...(trust ? { trust } : {}),
      maxBodyBytes: session.maxBodyBytes,
      maxRedirects: session.maxRedirects,
    });
  return withRetries({
    policy: session.policy,
    deadline: session.deadline,
    signal: session.signal,
    attempt: async (timeoutMs) => {
      let answer = await once(request.url, timeoutMs);
      if (answer.status === 404 && session.slashAfter404 && !request.url.pathname.endsWith('/')) {
        const slashed = new URL(request.url);
        slashed.pathname += '/';
        const second = await once(slashed, Math.max(1, session.deadline - Date.now()));
        if (second.status < 300) answer = second;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      throw new StatusError(answer);
    },
    judge: (error) => judge(error, session, request.url),
    outOfTime: () =>
      new AppError(
        'power_unreachable',
        `No time was left to ask ${session.what} at ${describeUrl(request.url)}.`,
      ),
  });
}

class StatusError extends Error {
  constructor(readonly answer: HttpAnswer) {
    super(`HTTP ${answer.status}`);
  }
}

function judge(error: unknown, session: PowerHttpSession, url: URL): RetryVerdict {
  const peer: PowerHttpPeer = { what: session.what, url, ...(session.hints ? { hints: session.hints } : {}) };
  if (error instanceof StatusError) {
    const detail = session.explain(error.answer);
    return judgeStatus(
      error.answer,
      peer,
      detail === undefined ? undefined : masked(detail, session.secrets),
    );
  }
  if (error instanceof HttpTransportError) return judgeTransport(error, peer);
  return { error, retry: false };
}

/** `text` with every secret replaced by `***` (a peer may echo what it was sent). */
export function masked(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
