import { AppError } from '@ferrum/domain';
import type { OAuthParams } from '../../services/token-service.js';
import type { FormParams } from './form-params.js';

const required = [
  'oauth_consumer_key',
  'oauth_token',
  'oauth_signature_method',
  'oauth_signature',
  'oauth_timestamp',
  'oauth_nonce',
] as const;

/**
 * Finds OAuth 1.0a parameters in the Authorization header, the query string or the body
 * (MAAS accepts all three). Returns undefined when the request carries no OAuth at all.
 */
export function extractOAuthParams(
  header: string | undefined,
  query: FormParams,
  body: FormParams | undefined,
): OAuthParams | undefined {
  let found: Record<string, string> | undefined;
  if (header !== undefined && /^OAuth\s/i.test(header)) {
    found = parseAuthorizationHeader(header.replace(/^OAuth\s+/i, ''));
  } else if (query.has('oauth_token') || query.has('oauth_consumer_key')) {
    found = pick(query);
  } else if (body && (body.has('oauth_token') || body.has('oauth_consumer_key'))) {
    found = pick(body);
  }
  if (!found) return undefined;
  const missing = required.filter((key) => found[key] === undefined);
  if (missing.length > 0)
    throw new AppError(
      'unauthenticated',
      `Authorization Error: missing OAuth parameter(s): ${missing.join(', ')}.`,
    );
  return {
    consumerKey: found['oauth_consumer_key'] as string,
    tokenKey: found['oauth_token'] as string,
    signatureMethod: found['oauth_signature_method'] as string,
    signature: found['oauth_signature'] as string,
    timestamp: found['oauth_timestamp'] as string,
    nonce: found['oauth_nonce'] as string,
  };
}

function pick(form: FormParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of form.keys()) if (key.startsWith('oauth_')) out[key] = form.get(key) ?? '';
  return out;
}

/** `k="v", k2="v2"` with percent-encoded values (gomaasapi also encodes spaces as `+`). */
function parseAuthorizationHeader(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /([A-Za-z0-9_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g;
  for (const match of text.matchAll(pattern)) {
    const key = match[1] as string;
    const raw = match[2] ?? match[3] ?? '';
    try {
      out[key] = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      throw new AppError('unauthenticated', `Authorization Error: badly encoded OAuth parameter ${key}.`);
    }
  }
  return out;
}
