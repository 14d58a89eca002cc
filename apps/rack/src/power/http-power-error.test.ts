import { describe, expect, it } from 'vitest';
import {
  describeUrl,
  judgeStatus,
  judgeTransport,
  retryAfterMs,
  type PowerHttpPeer,
} from './http-power-error.js';
import { HttpTransportError } from './http-transport-error.js';

const peer: PowerHttpPeer = {
  what: 'the BMC',
  url: new URL('https://admin:pw@10.0.0.5:8443/redfish/v1/Systems?token=x'),
  hints: { power_auth_failed: 'Check power_user and power_pass.' },
};

describe(judgeStatus, () => {
  it.each([
    [400, 'power_settings_invalid', false],
    [401, 'power_auth_failed', false],
    [403, 'power_auth_failed', false],
    [404, 'power_settings_invalid', false],
    [405, 'power_failed', false],
    [409, 'power_failed', false],
    [418, 'power_failed', false],
    [429, 'power_bmc_busy', true],
    [500, 'power_failed', true],
    [501, 'power_failed', false],
    [502, 'power_unreachable', true],
    [503, 'power_bmc_busy', true],
    [504, 'power_unreachable', true],
    [599, 'power_failed', true],
    [302, 'power_failed', false],
  ] as const)('treats HTTP %i as %s (retried: %s)', (status, code, retry) => {
    const verdict = judgeStatus({ status, headers: {} }, peer);
    expect(verdict.retry).toBe(retry);
    expect(verdict.error).toMatchObject({ code, details: { httpStatus: status } });
  });

  it('names the peer without credentials or query, the status, its meaning, the peer’s words and the hint', () => {
    const { error } = judgeStatus({ status: 401, headers: {} }, peer, 'There is no valid session');
    expect((error as Error).message).toBe(
      'The BMC at https://10.0.0.5:8443/redfish/v1/Systems answered HTTP 401 (the credentials were refused): ' +
        'There is no valid session. Check power_user and power_pass.',
    );
  });

  it('passes the peer’s Retry-After on', () => {
    expect(judgeStatus({ status: 503, headers: { 'retry-after': '3' } }, peer).afterMs).toBe(3_000);
  });
});

describe(judgeTransport, () => {
  it.each([
    ['connect', 'power_unreachable', true],
    ['timeout', 'power_unreachable', true],
    ['dns', 'power_unreachable', false],
    ['tls_untrusted', 'power_settings_invalid', false],
    ['tls', 'power_unreachable', false],
    ['too_large', 'power_failed', false],
    ['protocol', 'power_failed', false],
  ] as const)('treats a %s failure as %s (retried: %s)', (kind, code, retry) => {
    const verdict = judgeTransport(new HttpTransportError(kind, 'why'), peer);
    expect(verdict.retry).toBe(retry);
    expect(verdict.error).toMatchObject({ code, details: { failure: kind } });
    expect((verdict.error as Error).message).not.toContain('pw');
  });

  it('tells how to get an untrusted certificate accepted', () => {
    const { error } = judgeTransport(
      new HttpTransportError('tls_untrusted', 'self-signed certificate'),
      peer,
    );
    expect((error as Error).message).toBe(
      'The TLS certificate of the BMC at https://10.0.0.5:8443/redfish/v1/Systems is not trusted (self-signed ' +
        "certificate). Add the certificate of the CA that signed it to the rack's system CA store " +
        '(update-ca-certificates), or set power_verify_ssl to n to accept any certificate.',
    );
  });
});

describe(retryAfterMs, () => {
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe(describeUrl, () => {
  it('drops user info and query', () => {
    expect(describeUrl(new URL('http://u:p@host:81/a/b?c=d#e'))).toBe('http://host:81/a/b');
  });
});
