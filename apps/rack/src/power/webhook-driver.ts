import { Buffer } from 'node:buffer';
import { AppError } from '@ferrum/domain';
import {
  powerParameterField,
  webhookPowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';
import type { HttpAnswer } from './http-client.js';
import { powerHttpRequest } from './http-power-request.js';
import { defaultRetryPolicy, type RetryPolicy } from './http-retry.js';
import { lazyTrust } from './http-trust.js';
import { compileWebhookRegex } from './webhook-regex.js';

/** Tunables of the webhook driver; the defaults suit real endpoints, tests shorten them. */
export interface WebhookDriverOptions {
  /** One driver call in all: every try and wait (default 45 s, inside the runner's 60 s). */
  readonly timeoutMs?: number;
  /** One request (default 15 s). */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** CA certificates (PEM) trusted besides the system's, for `power_verify_ssl` y. */
  readonly caCertificates?: readonly string[];
  /** CA bundles read as the system's (default: the distributions' usual paths). */
  readonly caBundlePaths?: readonly string[];
  /**
   * Largest answer read (default 256 KiB). It also bounds the text the operator's regexes
   * run over, so that a pathological pattern cannot spin long.
   */
  readonly maxResponseBytes?: number;
}

type UriSetting = 'power_on_uri' | 'power_off_uri' | 'power_query_uri';

/**
 * MAAS's `webhook` power type: on and off POST to their URIs, query GETs `power_query_uri`
 * and matches the answer's body against `power_on_regex`, then `power_off_regex` (Python
 * `re.search`). A body that matches neither is `unknown`, as in MAAS: the endpoint answered,
 * but not in a way the regexes recognise. `power_token` goes as `Authorization: Bearer`, else
 * `power_user`/`power_pass` as HTTP basic; the machine's system id goes as MAAS's `System_Id`
 * header. Redirects are followed (MAAS's RedirectAgent), a 404 is tried once more with a
 * trailing slash (as MAAS), connection errors and 5xx are retried with backoff; 401/403 are
 * auth errors and never retried.
 */
export function createWebhookDriver(options: WebhookDriverOptions = {}): PowerDriver {
  const trust = lazyTrust({
    ...(options.caCertificates ? { caCertificates: options.caCertificates } : {}),
    ...(options.caBundlePaths ? { bundlePaths: options.caBundlePaths } : {}),
  });

  async function call(
    params: PowerParameters,
    ctx: PowerContext,
    setting: UriSetting,
    method: 'GET' | 'POST',
  ): Promise<HttpAnswer> {
    ctx.signal.throwIfAborted();
    const url = webhookUrl(setting, params[setting] ?? '');
    const token = params['power_token'] ?? '';
    const user = params['power_user'] ?? '';
    const password = params['power_pass'] ?? '';
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Ferrum' };
    if (ctx.systemId !== undefined) headers['System_Id'] = ctx.systemId;
    if (token !== '') headers['authorization'] = `Bearer ${token}`;
    // MAAS sends basic auth only with both; a user alone is sent too (an empty password is valid).
    else if (user !== '')
      headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    return powerHttpRequest(
      {
        signal: ctx.signal,
        deadline: Date.now() + (options.timeoutMs ?? 45_000),
        requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
        policy: options.retry ?? defaultRetryPolicy,
        verifyTls: params['power_verify_ssl'] === 'y',
        trust,
        maxBodyBytes: options.maxResponseBytes ?? 256 * 1024,
        maxRedirects: 5,
        what: 'the webhook',
        hints: {
          power_auth_failed: 'Check power_token, or power_user and power_pass.',
          power_settings_invalid: `Check ${setting}.`,
        },
        secrets: [token, password].filter((s) => s !== ''),
        explain: (answer) => snippet(answer.body),
        slashAfter404: true,
      },
      { method, url, headers },
    );
  }

  return {
    ...webhookPowerType,
    on: async (params, ctx) => {
      await call(params, ctx, 'power_on_uri', 'POST');
    },
    off: async (params, ctx) => {
      await call(params, ctx, 'power_off_uri', 'POST');
    },
    query: async (params, ctx): Promise<PowerState> => {
      ctx.signal.throwIfAborted();
      // Settings first: a bad pattern is reported without bothering the endpoint.
      const onSource = params['power_on_regex'] ?? '';
      const offSource = params['power_off_regex'] ?? '';
      const onRegex = onSource === '' ? undefined : compileWebhookRegex('power_on_regex', onSource);
      const offRegex = offSource === '' ? undefined : compileWebhookRegex('power_off_regex', offSource);
      const answer = await call(params, ctx, 'power_query_uri', 'GET');
      if (onRegex?.test(answer.body)) return 'on';
      if (offRegex?.test(answer.body)) return 'off';
      return 'unknown';
    },
  };
}

/** The webhook driver with its defaults, as the rack registers it. */
export const webhookDriver: PowerDriver = createWebhookDriver();

function webhookUrl(setting: UriSetting, uri: string): URL {
  const invalid = (why: string): AppError =>
    new AppError('power_settings_invalid', `${setting} ${why}`, {
      fields: { [powerParameterField(setting)]: [why] },
    });
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw invalid('is not an http or https URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`uses ${url.protocol.slice(0, -1)}: a webhook is an http or https URL.`);
  return url;
}

/** The start of an error answer's body, on one line, for the message. */
function snippet(body: string): string | undefined {
  const line = body.replace(/\s+/g, ' ').trim();
  if (line === '') return undefined;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
