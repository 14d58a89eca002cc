import { Buffer } from 'node:buffer';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { makeTestCertificate } from '../../test/support/test-certificate.js';
import { WebhookPeer, type WebhookPeerOptions } from '../../test/support/webhook-peer.js';
import { runPowerDriverContract } from './power-driver-contract.js';
import { createWebhookDriver, webhookDriver, type WebhookDriverOptions } from './webhook-driver.js';

const quick: WebhookDriverOptions = {
  timeoutMs: 5_000,
  requestTimeoutMs: 2_000,
  retry: { tries: 6, firstDelayMs: 10, maxDelayMs: 80 },
};
const signal = (): AbortSignal => new AbortController().signal;
const certificateReady = makeTestCertificate();

runPowerDriverContract('webhook (bearer token, http)', async () => {
  const peer = await WebhookPeer.start({ auth: { token: 'hook-token-1' } });
  return {
    driver: createWebhookDriver(quick),
    parameters: { ...peer.uris('m1'), power_token: 'hook-token-1' },
    close: () => peer.close(),
  };
});

runPowerDriverContract('webhook (basic auth, https, any certificate)', async () => {
  const peer = await WebhookPeer.start({
    auth: { user: 'hook', password: 'hook-pass' },
    certificate: await certificateReady,
  });
  return {
    driver: createWebhookDriver(quick),
    parameters: { ...peer.uris('m1'), power_user: 'hook', power_pass: 'hook-pass', power_verify_ssl: 'n' },
    close: () => peer.close(),
  };
});

describe('webhookDriver', () => {
  const peers: WebhookPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  const start = async (
    options: Partial<WebhookPeerOptions> = {},
  ): Promise<{ peer: WebhookPeer; params: Record<string, string> }> => {
    const peer = await WebhookPeer.start({ auth: { token: 'hook-token-1' }, ...options });
    peers.push(peer);
    return { peer, params: { ...peer.uris('m1'), power_token: 'hook-token-1' } };
  };
  const driver = createWebhookDriver(quick);
  const failure = async (pending: Promise<unknown>): Promise<AppError> => {
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };
  // MAAS's defaults, which the region fills in when they are not given.
  const defaults = {
    power_on_regex: String.raw`status.*\:.*running`,
    power_off_regex: String.raw`status.*\:.*stopped`,
  };

  it('is MAAS’s webhook power type', () => {
    expect([webhookDriver.name, webhookDriver.description, webhookDriver.queryable]).toEqual([
      'webhook',
      'Webhook',
      true,
    ]);
  });

  it('POSTs to the on and off URIs and reads the state with MAAS’s default regexes', async () => {
    const { peer, params } = await start();
    const p = { ...params, ...defaults };
    expect(await driver.query(p, { signal: signal() })).toBe('off');
    await driver.on(p, { signal: signal() });
    expect(peer.state.get('m1')).toBe('running');
    expect(await driver.query(p, { signal: signal() })).toBe('on');
    await driver.off(p, { signal: signal() });
    expect(peer.state.get('m1')).toBe('stopped');
    expect(await driver.query(p, { signal: signal() })).toBe('off');
    expect(peer.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /machines/m1/status',
      'POST /machines/m1/power-on',
      'GET /machines/m1/status',
      'POST /machines/m1/power-off',
      'GET /machines/m1/status',
    ]);
  });

  it('names the machine in MAAS’s System_Id header', async () => {
    const { peer, params } = await start();
    await driver.on(params, { signal: signal(), systemId: 'abc123' });
    expect(peer.requests[0]?.systemId).toBe('abc123');
  });

  it('answers unknown when the body matches neither regex, as MAAS does', async () => {
    const { peer, params } = await start();
    peer.statusBody.set('m1', '{"status": "rebooting"}');
    expect(await driver.query({ ...params, ...defaults }, { signal: signal() })).toBe('unknown');
  });

  it('tries the on regex first when both match', async () => {
    const { params } = await start();
    expect(
      await driver.query(
        { ...params, power_on_regex: 'status', power_off_regex: 'stopped' },
        { signal: signal() },
      ),
    ).toBe('on');
  });

  it('reads Python’s regex spellings: inline flags, named groups, \\A and \\Z', async () => {
    const { peer, params } = await start();
    peer.statusBody.set('m1', 'Power: ON');
    const p = { ...params, power_on_regex: String.raw`(?i)\Apower:\s*(?P<s>on)\Z`, power_off_regex: 'off' };
    expect(await driver.query(p, { signal: signal() })).toBe('on');
    peer.statusBody.set('m1', 'Power: ONLINE');
    expect(await driver.query(p, { signal: signal() })).toBe('unknown');
  });

  it.each(['power_on_regex', 'power_off_regex'])(
    'reports a %s that does not compile as a settings error, without calling the endpoint',
    async (setting) => {
      const { peer, params } = await start();
      const error = await failure(
        driver.query({ ...params, ...defaults, [setting]: 'status(' }, { signal: signal() }),
      );
      expect(error.code).toBe('power_settings_invalid');
      expect(error.message).toMatch(
        new RegExp(`^${setting} is not a usable regular expression: .*status\\(`),
      );
      expect(Object.keys(error.details.fields ?? {})).toEqual([`power_parameters_${setting}`]);
      expect(peer.requests).toEqual([]);
    },
  );

  it('sends the token as a bearer token, in place of a user and password', async () => {
    const { peer, params } = await start();
    await driver.on({ ...params, power_user: 'someone', power_pass: 'else' }, { signal: signal() });
    expect(peer.requests[0]?.authorization).toBe('Bearer hook-token-1');
  });

  it('sends basic credentials without a token', async () => {
    const { peer, params } = await start({ auth: { user: 'hook', password: 'p@ss:word' } });
    const { power_token: _token, ...rest } = params;
    await driver.on({ ...rest, power_user: 'hook', power_pass: 'p@ss:word' }, { signal: signal() });
    expect(peer.state.get('m1')).toBe('running');
    expect(peer.requests[0]?.authorization).toBe(`Basic ${Buffer.from('hook:p@ss:word').toString('base64')}`);
  });

  it('reports refused credentials as an auth error at once, never showing the token', async () => {
    const { peer, params } = await start();
    const error = await failure(driver.on({ ...params, power_token: 'wrong-token' }, { signal: signal() }));
    expect(error.code).toBe('power_auth_failed');
    expect(error.message).toContain('answered HTTP 401');
    expect(error.message).toContain('Check power_token, or power_user and power_pass.');
    expect(error.message).not.toContain('wrong-token');
    expect(peer.requests).toHaveLength(1);
  });

  it('tries again after 5xx answers and succeeds when the endpoint recovers', async () => {
    const { peer, params } = await start();
    peer.failNext(2, 502);
    await driver.on(params, { signal: signal() });
    expect(peer.requests.map((r) => r.status)).toEqual([502, 502, 200]);
    expect(peer.state.get('m1')).toBe('running');
  });

  it('gives up after six tries when the endpoint keeps failing', async () => {
    const { peer, params } = await start();
    peer.failNext(1_000, 500);
    const error = await failure(driver.on(params, { signal: signal() }));
    expect(error.code).toBe('power_failed');
    expect(error.message).toContain(
      'answered HTTP 500 (an internal error): {"error": "temporarily unavailable"}',
    );
    expect(error.message).toContain('6 tries');
    expect(peer.requests).toHaveLength(6);
  });

  it('adds the trailing slash an endpoint insists on, as MAAS does', async () => {
    const { peer, params } = await start({ trailingSlash: true });
    await driver.on(params, { signal: signal() });
    expect(peer.state.get('m1')).toBe('running');
    expect(peer.requests.map((r) => `${r.status} ${r.path}`)).toEqual([
      '404 /machines/m1/power-on',
      '200 /machines/m1/power-on/',
    ]);
  });

  it('reports a URI the endpoint does not know as a settings error, without retrying', async () => {
    const { peer, params } = await start();
    const error = await failure(
      driver.on({ ...params, power_on_uri: `${peer.url}/machines/m9/power-on` }, { signal: signal() }),
    );
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain('Check power_on_uri.');
    expect(peer.requests).toHaveLength(2);
  });

  it('refuses a self-signed certificate when verifying, and accepts it when not', async () => {
    const { peer, params } = await start({ certificate: await certificateReady });
    const error = await failure(driver.on({ ...params, power_verify_ssl: 'y' }, { signal: signal() }));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain('is not trusted (self-signed certificate)');
    expect(error.message).toContain('set power_verify_ssl to n');
    expect(peer.requests).toEqual([]);
    await driver.on({ ...params, power_verify_ssl: 'n' }, { signal: signal() });
    expect(peer.state.get('m1')).toBe('running');
  });

  it('trusts an endpoint whose CA it is given when verifying', async () => {
    const certificate = await certificateReady;
    const { peer, params } = await start({ certificate });
    const trusting = createWebhookDriver({ ...quick, caCertificates: [certificate.cert] });
    await trusting.on({ ...params, power_verify_ssl: 'y' }, { signal: signal() });
    expect(peer.state.get('m1')).toBe('running');
  });

  it('reports a dead address as unreachable', async () => {
    const port = await freePort();
    const uri = `http://127.0.0.1:${port}/on`;
    const error = await failure(
      driver.on({ power_on_uri: uri, power_off_uri: uri, power_query_uri: uri }, { signal: signal() }),
    );
    expect(error.code).toBe('power_unreachable');
    expect(error.message).toContain(`Cannot connect to the webhook at ${uri}: connection refused`);
  });

  it('reports a URI that is not http or https as a settings error', async () => {
    const error = await failure(
      driver.on(
        { power_on_uri: 'file:///etc/passwd', power_off_uri: '', power_query_uri: '' },
        { signal: signal() },
      ),
    );
    expect(error.code).toBe('power_settings_invalid');
    expect(error.details.fields).toHaveProperty('power_parameters_power_on_uri');
  });

  it('keeps a password in a URI out of its messages', async () => {
    const port = await freePort();
    const uri = `http://user:uri-secret@127.0.0.1:${port}/on?token=query-secret`;
    const error = await failure(
      driver.on({ power_on_uri: uri, power_off_uri: uri, power_query_uri: uri }, { signal: signal() }),
    );
    expect(error.message).not.toContain('uri-secret');
    expect(error.message).not.toContain('query-secret');
    expect(JSON.stringify(error.details)).not.toContain('secret');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
