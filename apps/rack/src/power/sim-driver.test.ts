import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { SimBmcServer, type SimBmcServerOptions } from '@ferrum/sim';
import { runPowerDriverContract } from './power-driver-contract.js';
import { createSimDriver, simDriver, type SimDriverOptions } from './sim-driver.js';

const quick: SimDriverOptions = {
  timeoutMs: 3_000,
  requestTimeoutMs: 1_000,
  retry: { tries: 3, firstDelayMs: 10, maxDelayMs: 40 },
};
const ctx = () => ({ signal: new AbortController().signal });

runPowerDriverContract('sim (against SimBmcServer, with a token)', async () => {
  const bmc = await SimBmcServer.start({ token: 'sim-token-1' });
  bmc.add('m1');
  const parameters = { power_address: bmc.url, power_id: 'm1', power_pass: 'sim-token-1' };
  return {
    driver: createSimDriver(quick),
    parameters,
    peerState: () => Promise.resolve(bmc.state('m1') ?? 'off'),
    wrongCredentials: { ...parameters, power_pass: 'wrong-token-9' },
    close: () => bmc.close(),
  };
});

describe('simDriver', () => {
  const servers: SimBmcServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const start = async (
    options: SimBmcServerOptions = {},
  ): Promise<{ bmc: SimBmcServer; params: Record<string, string> }> => {
    const bmc = await SimBmcServer.start(options);
    servers.push(bmc);
    bmc.add('m1');
    return { bmc, params: { power_address: bmc.url, power_id: 'm1', power_pass: '' } };
  };
  const driver = createSimDriver(quick);
  const failure = async (pending: Promise<unknown>): Promise<AppError> => {
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };

  it('is the sim power type, queryable, needing no program', () => {
    expect([simDriver.name, simDriver.queryable, simDriver.requiredTools]).toEqual(['sim', true, []]);
    expect(simDriver.settings.find((s) => s.name === 'power_pass')).toMatchObject({ secret: true });
  });

  it('switches the simulated machine, resets it, and reads it back', async () => {
    const { bmc, params } = await start();
    expect(await driver.query(params, ctx())).toBe('off');
    await driver.on(params, ctx());
    expect([bmc.state('m1'), await driver.query(params, ctx())]).toEqual(['on', 'on']);
    await driver.cycle?.(params, ctx());
    await driver.off(params, ctx());
    expect([bmc.state('m1'), await driver.query(params, ctx())]).toEqual(['off', 'off']);
    expect(bmc.history('m1').map((e) => e.action)).toEqual(['on', 'cycle', 'off']);
  });

  it('sets a one-time network boot that the next power on uses', async () => {
    const { bmc, params } = await start();
    await driver.setNextBootPxe?.(params, ctx());
    expect(bmc.nextBoot('m1')).toBe('pxe');
    await driver.on(params, ctx());
    expect(bmc.history('m1')[0]?.bootDevice).toBe('pxe');
  });

  it('finds machines under a base URL with a path and ids that need encoding', async () => {
    const { bmc, params } = await start();
    bmc.add('rack a/m 1');
    await driver.on({ ...params, power_id: 'rack a/m 1', power_address: `${bmc.url}/` }, ctx());
    expect(bmc.state('rack a/m 1')).toBe('on');
  });

  it('reports a machine the simulator does not know as a settings error naming power_id', async () => {
    const { params } = await start();
    const error = await failure(driver.query({ ...params, power_id: 'nope' }, ctx()));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toMatch(/answered HTTP 404 .*No simulated machine "nope"\. Check power_id/);
  });

  it('reports a refused token as an auth error without the token, and tries only once', async () => {
    const { bmc, params } = await start({ token: 'right-token' });
    const before = bmc.requests;
    const error = await failure(driver.on({ ...params, power_pass: 'wrong-token' }, ctx()));
    expect(error.code).toBe('power_auth_failed');
    expect(error.message).toMatch(/HTTP 401.*Check power_pass/);
    expect(error.message).not.toContain('wrong-token');
    expect(bmc.requests - before).toBe(1);
    expect(bmc.state('m1')).toBe('off');
  });

  it('reports a simulator that fails as power_failed after retrying', async () => {
    let calls = 0;
    const { params } = await start({
      latencyMs: () => {
        calls += 1;
        throw new Error('disk on fire');
      },
    });
    const error = await failure(driver.query(params, ctx()));
    expect(error.code).toBe('power_failed');
    expect(error.message).toMatch(/HTTP 500 .*The simulator failed: disk on fire \(3 tries over/);
    expect(calls).toBe(3);
  });

  it('reports a closed port as unreachable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => {
          resolve(p);
        });
      });
    });
    const error = await failure(
      driver.query({ power_address: `http://127.0.0.1:${String(port)}`, power_id: 'm1' }, ctx()),
    );
    expect(error.code).toBe('power_unreachable');
    expect(error.message).toMatch(/Cannot connect to the simulator BMC .*connection refused/);
  });

  it('gives up on a simulator slower than the request timeout', async () => {
    const { params } = await start({ latencyMs: 2_000 });
    const slow = createSimDriver({
      timeoutMs: 600,
      requestTimeoutMs: 200,
      retry: { tries: 2, firstDelayMs: 10, maxDelayMs: 10 },
    });
    const started = Date.now();
    const error = await failure(slow.query(params, ctx()));
    expect(error.code).toBe('power_unreachable');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it.each([
    ['not a URL', 'power_address', /power_address is not an http or https URL/],
    ['ftp://127.0.0.1/', 'power_address', /power_address uses ftp/],
  ])('refuses the address %s as a settings error before any request', async (address, field, message) => {
    const error = await failure(driver.query({ power_address: address, power_id: 'm1' }, ctx()));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toMatch(message);
    expect(error.details['fields']).toHaveProperty(`power_parameters_${field}`);
  });

  it('reads a state other than on or off as unknown, and an answer without one as power_failed', async () => {
    const bodies = ['{"state":"booting"}', '{"status":"running"}'];
    const peer = createHttpServer((_q, r) =>
      r.writeHead(200, { 'content-type': 'application/json' }).end(bodies.shift()),
    );
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    try {
      const params = {
        power_address: `http://127.0.0.1:${String((peer.address() as AddressInfo).port)}`,
        power_id: 'm1',
      };
      expect(await driver.query(params, ctx())).toBe('unknown');
      const error = await failure(driver.query(params, ctx()));
      expect(error.code).toBe('power_failed');
      expect(error.message).toContain('not {"state":…}');
    } finally {
      peer.closeAllConnections();
      peer.close();
    }
  });
});
