import { afterEach, describe, expect, it } from 'vitest';
import {
  SimBmcServer,
  type SimBmcCall,
  type SimBmcServerOptions,
  type SimPowerEvent,
} from './sim-bmc-server.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

describe(SimBmcServer, () => {
  const servers: SimBmcServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (options: SimBmcServerOptions = {}): Promise<SimBmcServer> => {
    const sim = await SimBmcServer.start(options);
    servers.push(sim);
    return sim;
  };
  const call = async (
    sim: SimBmcServer,
    method: string,
    path: string,
    body?: string | object,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  const power = (sim: SimBmcServer, id: string, action: string): Promise<Answer> =>
    call(sim, 'POST', `/machines/${id}/power`, { action });

  it('listens on 127.0.0.1 on a free port and answers a machine’s power as JSON', async () => {
    const sim = await start();
    sim.add('m1');
    sim.add('m2', 'on');
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const m1 = await call(sim, 'GET', '/machines/m1/power');
    expect([m1.status, m1.body, m1.headers.get('content-type')]).toEqual([
      200,
      { state: 'off' },
      'application/json',
    ]);
    expect((await call(sim, 'GET', '/machines/m2/power')).body).toEqual({ state: 'on' });
  });

  it('answers 404 naming a machine it does not know, and creates it on first use when told to', async () => {
    const strict = await start();
    const unknown = await call(strict, 'GET', '/machines/nope/power');
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'No simulated machine "nope".' }]);
    expect(strict.has('nope')).toBe(false);
    const lenient = await start({ autoCreate: true });
    expect((await power(lenient, 'new-1', 'on')).body).toEqual({ state: 'on' });
    expect(lenient.state('new-1')).toBe('on');
  });

  it('switches a machine on and off, telling listeners and recording each switch once', async () => {
    const sim = await start();
    sim.add('m1');
    const seen: SimPowerEvent[] = [];
    sim.on('power', (event) => seen.push(event));
    const before = Date.now();
    expect((await power(sim, 'm1', 'on')).body).toEqual({ state: 'on' });
    expect((await power(sim, 'm1', 'on')).body).toEqual({ state: 'on' });
    expect((await power(sim, 'm1', 'off')).body).toEqual({ state: 'off' });
    expect((await power(sim, 'm1', 'off')).body).toEqual({ state: 'off' });
    expect(seen.map(({ id, state, action, bootDevice }) => ({ id, state, action, bootDevice }))).toEqual([
      { id: 'm1', state: 'on', action: 'on', bootDevice: 'disk' },
      { id: 'm1', state: 'off', action: 'off', bootDevice: undefined },
    ]);
    expect(seen.every((e) => e.at >= before && e.at <= Date.now())).toBe(true);
    expect(sim.history('m1')).toEqual(seen);
    expect(sim.state('m1')).toBe('off');
  });

  it('resets a machine that is on with a cycle, and powers on one that is off', async () => {
    const sim = await start();
    sim.add('on-1', 'on');
    sim.add('off-1');
    expect((await power(sim, 'on-1', 'cycle')).body).toEqual({ state: 'on' });
    expect((await power(sim, 'off-1', 'cycle')).body).toEqual({ state: 'on' });
    expect(sim.history('on-1').map((e) => [e.state, e.action])).toEqual([['on', 'cycle']]);
    expect(sim.state('off-1')).toBe('on');
  });

  it('boots once from the device set for the next boot, then from the default again', async () => {
    const sim = await start({ defaultBootDevice: 'disk' });
    sim.add('m1');
    expect((await call(sim, 'POST', '/machines/m1/boot', { device: 'pxe' })).body).toEqual({
      nextBoot: 'pxe',
    });
    expect(sim.nextBoot('m1')).toBe('pxe');
    await power(sim, 'm1', 'on');
    expect(sim.nextBoot('m1')).toBeUndefined();
    await power(sim, 'm1', 'cycle');
    expect(sim.history('m1').map((e) => e.bootDevice)).toEqual(['pxe', 'disk']);
    const pxeFirst = await start({ defaultBootDevice: 'pxe' });
    pxeFirst.add('m2');
    await power(pxeFirst, 'm2', 'on');
    expect(pxeFirst.history('m2')[0]?.bootDevice).toBe('pxe');
  });

  it('refuses a missing or wrong bearer token with 401, and accepts the right one', async () => {
    const sim = await start({ token: 'sim-token-1' });
    sim.add('m1');
    const none = await call(sim, 'GET', '/machines/m1/power');
    expect([none.status, none.body.error, none.headers.get('www-authenticate')]).toEqual([
      401,
      'A bearer token is required.',
      'Bearer realm="ferrum-sim"',
    ]);
    const wrong = await call(
      sim,
      'POST',
      '/machines/m1/power',
      { action: 'on' },
      { authorization: 'Bearer nope' },
    );
    expect([wrong.status, wrong.body.error]).toEqual([401, 'The bearer token is wrong.']);
    expect(sim.state('m1')).toBe('off');
    const right = await call(sim, 'GET', '/machines/m1/power', undefined, {
      authorization: 'Bearer sim-token-1',
    });
    expect([right.status, right.body]).toEqual([200, { state: 'off' }]);
  });

  it.each([
    ['{"action":', /^The body is not JSON \(.+\); send \{"action":…\}\.$/],
    ['["on"]', /^The body must be a JSON object like \{"action":"on"\}\.$/],
    ['{}', /^"action" is missing: one of on, off, cycle\.$/],
    ['{"action":"reboot"}', /^"action" must be one of on, off, cycle, not "reboot"\.$/],
    ['{"action":1}', /^"action" must be one of on, off, cycle, not 1\.$/],
    ['{"action":"on","force":true}', /^Unknown field "force": only "action" is read\.$/],
  ])('answers 400 to the power body %s, saying what is wrong', async (body, message) => {
    const sim = await start();
    sim.add('m1');
    const answer = await call(sim, 'POST', '/machines/m1/power', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(message);
    expect(sim.state('m1')).toBe('off');
  });

  it('answers 400 to an unknown boot device', async () => {
    const sim = await start();
    sim.add('m1');
    const answer = await call(sim, 'POST', '/machines/m1/boot', { device: 'usb' });
    expect([answer.status, answer.body.error]).toEqual([
      400,
      '"device" must be one of pxe, disk, not "usb".',
    ]);
    expect(sim.nextBoot('m1')).toBeUndefined();
  });

  it('answers 400 to a body over 64 KiB, and goes on serving', async () => {
    const sim = await start();
    sim.add('m1');
    const big = JSON.stringify({ action: 'on', pad: 'x'.repeat(70 * 1024) });
    const answer = await call(sim, 'POST', '/machines/m1/power', big);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe(
      `The body has ${String(big.length)} bytes, more than the 65536 a BMC reads.`,
    );
    expect(sim.state('m1')).toBe('off');
    expect((await power(sim, 'm1', 'on')).body).toEqual({ state: 'on' });
  });

  it('answers 404 to an unknown path and 405 with Allow to a wrong method', async () => {
    const sim = await start();
    sim.add('m1');
    const path = await call(sim, 'GET', '/redfish/v1/Systems');
    expect([path.status, path.body.error]).toEqual([404, 'No such resource: GET /redfish/v1/Systems.']);
    const method = await call(sim, 'DELETE', '/machines/m1/power');
    expect([method.status, method.headers.get('allow')]).toEqual([405, 'GET, POST']);
    const boot = await call(sim, 'GET', '/machines/m1/boot');
    expect([boot.status, boot.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('reads a percent-encoded machine id', async () => {
    const sim = await start();
    sim.add('rack a/m 1');
    expect((await power(sim, encodeURIComponent('rack a/m 1'), 'on')).body).toEqual({ state: 'on' });
    expect(sim.state('rack a/m 1')).toBe('on');
    expect((await call(sim, 'GET', '/machines/%E0%A4%A/power')).status).toBe(400);
  });

  it('takes the configured latency on every call, fixed or chosen per call', async () => {
    const fixed = await start({ latencyMs: 120 });
    fixed.add('m1');
    let started = performance.now();
    await power(fixed, 'm1', 'on');
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    const calls: SimBmcCall[] = [];
    const chosen = await start({
      latencyMs: (c) => {
        calls.push(c);
        return c.method === 'POST' ? 150 : 0;
      },
    });
    chosen.add('m1');
    started = performance.now();
    await call(chosen, 'GET', '/machines/m1/power');
    expect(performance.now() - started).toBeLessThan(100);
    started = performance.now();
    await power(chosen, 'm1', 'on');
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(calls).toEqual([
      { id: 'm1', resource: 'power', method: 'GET' },
      { id: 'm1', resource: 'power', method: 'POST' },
    ]);
  });

  it('answers 500 when a power listener throws, with the switch made', async () => {
    const sim = await start();
    sim.add('m1');
    const listener = (): void => {
      throw new Error('boot failed');
    };
    sim.on('power', listener);
    const answer = await power(sim, 'm1', 'on');
    expect([answer.status, answer.body.error]).toEqual([500, 'The simulator failed: boot failed']);
    expect(sim.state('m1')).toBe('on');
    sim.off('power', listener);
    expect((await power(sim, 'm1', 'off')).status).toBe(200);
  });

  it('counts the requests it answered, and refuses connections once closed', async () => {
    const sim = await SimBmcServer.start();
    sim.add('m1');
    await call(sim, 'GET', '/machines/m1/power');
    await call(sim, 'GET', '/machines/m2/power');
    expect(sim.requests).toBe(2);
    const { url } = sim;
    await sim.close();
    await expect(fetch(`${url}/machines/m1/power`)).rejects.toThrow();
  });
});
