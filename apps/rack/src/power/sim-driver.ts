import { AppError } from '@ferrum/domain';
import {
  powerParameterField,
  simPowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';
import type { HttpAnswer } from './http-client.js';
import { powerHttpRequest } from './http-power-request.js';
import type { RetryPolicy } from './http-retry.js';
import { lazyTrust } from './http-trust.js';

/** Tunables of the sim driver; the defaults suit a simulator on the same network. */
export interface SimDriverOptions {
  /** One driver call in all, retries included (default 15 s). */
  readonly timeoutMs?: number;
  /** One request (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** Default: three tries, 0.1 then 0.2 s apart (a simulator that drops a connection is rare). */
  readonly retry?: RetryPolicy;
}

const simRetryPolicy: RetryPolicy = { tries: 3, firstDelayMs: 100, maxDelayMs: 1_000 };

/**
 * The `sim` power type: the machine simulator's BMC server (packages/sim, wire format in its
 * sim-bmc-wire.ts), which simulates the BMCs of many machines behind one base URL. Query GETs
 * `/machines/<power_id>/power`; on, off and cycle POST `{"action":…}` there; the one-time
 * network boot POSTs `{"device":"pxe"}` to `/machines/<power_id>/boot`. `power_pass` goes as a
 * bearer token. The rack imports nothing of the simulator: it speaks the wire format, as it
 * would to any BMC.
 */
export function createSimDriver(options: SimDriverOptions = {}): PowerDriver {
  const trust = lazyTrust();

  async function call(
    params: PowerParameters,
    ctx: PowerContext,
    resource: 'power' | 'boot',
    body?: object,
  ): Promise<HttpAnswer> {
    ctx.signal.throwIfAborted();
    const url = machineUrl(params['power_address'] ?? '', params['power_id'] ?? '', resource);
    const token = params['power_pass'] ?? '';
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Ferrum' };
    if (token !== '') headers['authorization'] = `Bearer ${token}`;
    if (body) headers['content-type'] = 'application/json';
    return powerHttpRequest(
      {
        signal: ctx.signal,
        deadline: Date.now() + (options.timeoutMs ?? 15_000),
        requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
        policy: options.retry ?? simRetryPolicy,
        verifyTls: true,
        trust,
        maxBodyBytes: 64 * 1024,
        maxRedirects: 0,
        what: 'the simulator BMC',
        hints: {
          power_auth_failed: 'Check power_pass (the simulator’s token).',
          power_settings_invalid: 'Check power_id, and that power_address is the simulator’s base URL.',
        },
        secrets: token === '' ? [] : [token],
        explain: errorOf,
        slashAfter404: false,
      },
      { method: body ? 'POST' : 'GET', url, headers, ...(body ? { body: JSON.stringify(body) } : {}) },
    );
  }

  return {
    ...simPowerType,
    on: async (params, ctx) => {
      await call(params, ctx, 'power', { action: 'on' });
    },
    off: async (params, ctx) => {
      // The simulator has no operating system to shut down: soft and hard are alike.
      await call(params, ctx, 'power', { action: 'off' });
    },
    cycle: async (params, ctx) => {
      await call(params, ctx, 'power', { action: 'cycle' });
    },
    setNextBootPxe: async (params, ctx) => {
      await call(params, ctx, 'boot', { device: 'pxe' });
    },
    query: async (params, ctx): Promise<PowerState> => {
      const answer = await call(params, ctx, 'power');
      const state = stateOf(answer.body);
      if (state === undefined)
        throw new AppError(
          'power_failed',
          `The simulator BMC answered ${JSON.stringify(answer.body.slice(0, 100))}, not {"state":…}.`,
        );
      return state;
    },
  };
}

/** The sim driver with its defaults, as the rack registers it. */
export const simDriver: PowerDriver = createSimDriver();

/** `<power_address>/machines/<power_id>/<resource>`, or power_settings_invalid naming the setting. */
function machineUrl(address: string, id: string, resource: 'power' | 'boot'): URL {
  const invalid = (setting: string, why: string): AppError =>
    new AppError('power_settings_invalid', `${setting} ${why}`, {
      fields: { [powerParameterField(setting)]: [why] },
    });
  let base: URL;
  try {
    base = new URL(address.trim());
  } catch {
    throw invalid('power_address', 'is not an http or https URL (the simulator’s base URL).');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw invalid(
      'power_address',
      `uses ${base.protocol.slice(0, -1)}: the simulator is reached over http or https.`,
    );
  if (id.trim() === '') throw invalid('power_id', 'is empty: name the simulated machine.');
  const url = new URL(base);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/machines/${encodeURIComponent(id)}/${resource}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** on or off from `{"state":…}`; unknown for another state; undefined when the body is not that. */
function stateOf(body: string): PowerState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const state = (parsed as { state?: unknown } | null)?.state;
  if (typeof state !== 'string') return undefined;
  return state === 'on' || state === 'off' ? state : 'unknown';
}

/** The simulator's own words in an error answer (`{"error":…}`), else the body's start. */
function errorOf(answer: HttpAnswer): string | undefined {
  try {
    const error = (JSON.parse(answer.body) as { error?: unknown } | null)?.error;
    if (typeof error === 'string' && error.trim() !== '') return error.slice(0, 300);
  } catch {
    // not JSON: the text itself
  }
  const line = answer.body.replace(/\s+/g, ' ').trim();
  return line === '' ? undefined : line.slice(0, 200);
}
