import { AppError, type ErrorCode } from '@ferrum/domain';
import type { HttpTransportError, HttpTransportFailure } from './http-transport-error.js';
import type { RetryVerdict } from './http-retry.js';

type PowerCode = Extract<ErrorCode, `power_${string}`>;

interface StatusClass {
  readonly code: PowerCode;
  readonly retry: boolean;
  /** Completes "answered HTTP 503: …". */
  readonly meaning: string;
}

/**
 * What an HTTP status from a BMC or webhook means for a power call. Credentials and settings
 * problems are never retried (another try gives the same answer, and a locked-out account is
 * worse); a busy or failing peer is.
 */
const statusClasses: Readonly<Record<number, StatusClass>> = {
  400: { code: 'power_settings_invalid', retry: false, meaning: 'the request was refused as invalid' },
  401: { code: 'power_auth_failed', retry: false, meaning: 'the credentials were refused' },
  403: { code: 'power_auth_failed', retry: false, meaning: 'the user may not do this' },
  404: { code: 'power_settings_invalid', retry: false, meaning: 'there is no such resource' },
  405: { code: 'power_failed', retry: false, meaning: 'the method is not supported there' },
  409: { code: 'power_failed', retry: false, meaning: 'the request conflicts with the current state' },
  412: { code: 'power_failed', retry: false, meaning: 'the resource changed meanwhile' },
  422: { code: 'power_settings_invalid', retry: false, meaning: 'the request was refused as invalid' },
  429: { code: 'power_bmc_busy', retry: true, meaning: 'too many requests' },
  500: { code: 'power_failed', retry: true, meaning: 'an internal error' },
  501: { code: 'power_failed', retry: false, meaning: 'the request is not implemented' },
  502: { code: 'power_unreachable', retry: true, meaning: 'a gateway could not reach it' },
  503: { code: 'power_bmc_busy', retry: true, meaning: 'it is busy or temporarily unavailable' },
  504: { code: 'power_unreachable', retry: true, meaning: 'a gateway timed out reaching it' },
};

function statusClass(status: number): StatusClass {
  const known = statusClasses[status];
  if (known) return known;
  if (status >= 500) return { code: 'power_failed', retry: true, meaning: 'a server error' };
  if (status >= 400) return { code: 'power_failed', retry: false, meaning: 'the request was refused' };
  if (status >= 300)
    return { code: 'power_failed', retry: false, meaning: 'a redirect that was not followed' };
  return { code: 'power_failed', retry: false, meaning: 'an unexpected status' };
}

/** How each transport failure is reported, and whether it is retried. */
const transportClasses: Readonly<Record<HttpTransportFailure, { code: PowerCode; retry: boolean }>> = {
  connect: { code: 'power_unreachable', retry: true },
  timeout: { code: 'power_unreachable', retry: true },
  dns: { code: 'power_unreachable', retry: false },
  // Trust is configuration: another try meets the same certificate.
  tls_untrusted: { code: 'power_settings_invalid', retry: false },
  tls: { code: 'power_unreachable', retry: false },
  too_large: { code: 'power_failed', retry: false },
  protocol: { code: 'power_failed', retry: false },
};

/** Where an error happened, for messages: `the BMC at https://10.0.0.5/redfish/v1/Systems`. */
export interface PowerHttpPeer {
  /** `the BMC`, `the webhook`. */
  readonly what: string;
  readonly url: URL;
  /** Sentences added to an error answer's message of that class, e.g. which settings to check. */
  readonly hints?: Partial<Record<PowerCode, string>>;
}

/** A URL as messages show it: no user info, no query (either may hold a secret). */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function withHint(message: string, peer: PowerHttpPeer, code: PowerCode): string {
  const hint = peer.hints?.[code];
  return hint === undefined ? message : `${message} ${hint}`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A request that got no answer, as a power error. */
export function judgeTransport(error: HttpTransportError, peer: PowerHttpPeer): RetryVerdict {
  const { code, retry } = transportClasses[error.kind];
  const where = `${peer.what} at ${describeUrl(peer.url)}`;
  let message: string;
  switch (error.kind) {
    case 'connect':
      message = `Cannot connect to ${where}: ${error.message}.`;
      break;
    case 'timeout':
      message = `No answer from ${where}: ${error.message}.`;
      break;
    case 'dns':
      message = `Cannot connect to ${where}: ${error.message}.`;
      break;
    case 'tls_untrusted':
      message =
        `The TLS certificate of ${where} is not trusted (${error.message}). Add the certificate of the CA ` +
        `that signed it to the rack's system CA store (update-ca-certificates), or set power_verify_ssl ` +
        `to n to accept any certificate.`;
      break;
    case 'tls':
      message = `The TLS handshake with ${where} failed: ${error.message}.`;
      break;
    case 'too_large':
      message = `${capitalised(where)} sent ${error.message}, more than a power driver reads.`;
      break;
    case 'protocol':
      message = `${capitalised(where)} did not answer in HTTP: ${error.message}.`;
      break;
  }
  return {
    error: new AppError(code, message, { url: describeUrl(peer.url), failure: error.kind }),
    retry,
  };
}

/**
 * A non-2xx answer as a power error: the status, what it means, and the peer's own words
 * (`detail`, taken from the body by the driver) when it gave any.
 */
export function judgeStatus(
  answer: { readonly status: number; readonly headers: Readonly<Record<string, unknown>> },
  peer: PowerHttpPeer,
  detail?: string,
): RetryVerdict {
  const { code, retry, meaning } = statusClass(answer.status);
  const where = `${peer.what} at ${describeUrl(peer.url)}`;
  const base = `${capitalised(where)} answered HTTP ${answer.status} (${meaning})`;
  const message = detail === undefined || detail.trim() === '' ? `${base}.` : `${base}: ${sentence(detail)}`;
  const afterMs = retryAfterMs(answer.headers['retry-after']);
  return {
    error: new AppError(code, withHint(message, peer, code), {
      url: describeUrl(peer.url),
      httpStatus: answer.status,
    }),
    retry,
    ...(afterMs === undefined ? {} : { afterMs }),
  };
}

/** `Retry-After` (seconds or an HTTP date) in ms from now. */
export function retryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
