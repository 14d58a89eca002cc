import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import type { PowerParameters } from '@ferrum/protocol';
import { RedfishResponder, type RedfishResponderOptions } from '../../test/support/redfish-responder.js';
import { makeTestCertificate, type TestCertificate } from '../../test/support/test-certificate.js';
import { runPowerDriverContract } from './power-driver-contract.js';
import { createRedfishDriver, redfishDriver, type RedfishDriverOptions } from './redfish-driver.js';

// Short waits so retries take milliseconds; the shape (six tries, doubling) is the default's.
const quick: RedfishDriverOptions = {
  timeoutMs: 5_000,
  requestTimeoutMs: 2_000,
  retry: { tries: 6, firstDelayMs: 10, maxDelayMs: 80 },
};
const signal = (): AbortSignal => new AbortController().signal;

let certificate: TestCertificate;
const certificateReady = makeTestCertificate();
beforeAll(async () => {
  certificate = await certificateReady;
});

runPowerDriverContract('redfish (session auth, any certificate)', async () => {
  const responder = await RedfishResponder.start({ certificate: await certificateReady });
  return {
    driver: createRedfishDriver(quick),
    parameters: {
      power_address: responder.address,
      power_user: 'admin',
      power_pass: 'redfish-secret',
      power_verify_ssl: 'n',
    },
    close: () => responder.close(),
  };
});

runPowerDriverContract('redfish (basic auth, verified certificate)', async () => {
  const cert = await certificateReady;
  const responder = await RedfishResponder.start({ certificate: cert });
  return {
    driver: createRedfishDriver({ ...quick, caCertificates: [cert.cert] }),
    parameters: {
      power_address: `https://${responder.address}`,
      power_user: 'admin',
      power_pass: 'redfish-secret',
      power_verify_ssl: 'y',
      power_auth: 'basic',
    },
    close: () => responder.close(),
  };
});

describe('redfishDriver', () => {
  const responders: RedfishResponder[] = [];
  afterEach(async () => {
    await Promise.all(responders.splice(0).map((r) => r.close()));
  });
  const start = async (
    options: Omit<RedfishResponderOptions, 'certificate'> = {},
  ): Promise<{ responder: RedfishResponder; params: Record<string, string> }> => {
    const responder = await RedfishResponder.start({ certificate, ...options });
    responders.push(responder);
    return {
      responder,
      params: {
        power_address: responder.address,
        power_user: 'admin',
        power_pass: 'redfish-secret',
        power_verify_ssl: 'n',
      },
    };
  };
  const driver = createRedfishDriver(quick);
  const failure = async (pending: Promise<unknown>): Promise<AppError> => {
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };

  it('is MAAS’s redfish power type and needs no programs', () => {
    expect([redfishDriver.name, redfishDriver.queryable, redfishDriver.requiredTools]).toEqual([
      'redfish',
      true,
      [],
    ]);
  });

  it('switches the system on and off with ComputerSystem.Reset and reads its PowerState', async () => {
    const { responder, params } = await start();
    const system = responder.system('1');
    expect(await driver.query(params, { signal: signal() })).toBe('off');
    await driver.on(params, { signal: signal() });
    expect(system.powerState).toBe('On');
    expect(await driver.query(params, { signal: signal() })).toBe('on');
    await driver.off(params, { signal: signal() });
    expect(system.powerState).toBe('Off');
    expect(await driver.query(params, { signal: signal() })).toBe('off');
    expect(system.resets).toEqual(['On', 'ForceOff']);
  });

  it('shuts down gracefully when the stop mode is soft', async () => {
    const { responder, params } = await start({ systems: [{ id: '1', powerState: 'On' }] });
    await driver.off(params, { signal: signal(), stopMode: 'soft' });
    expect(responder.system('1').resets).toEqual(['GracefulShutdown']);
  });

  it('leaves a system alone that is already in the asked state', async () => {
    const { responder, params } = await start({ systems: [{ id: '1', powerState: 'On' }] });
    await driver.on(params, { signal: signal() });
    responder.system('1').powerState = 'Off';
    await driver.off(params, { signal: signal() });
    expect(responder.system('1').resets).toEqual([]);
    expect(responder.requests.filter((r) => r.method === 'POST' && r.path.includes('Reset'))).toEqual([]);
  });

  it('cycles a running system with ForceRestart, and switches on one that is off', async () => {
    const { responder, params } = await start({ systems: [{ id: '1', powerState: 'On' }] });
    const system = responder.system('1');
    await driver.cycle!(params, { signal: signal() });
    expect(system.resets).toEqual(['ForceRestart']);
    expect(system.boots).toHaveLength(1);
    system.powerState = 'Off';
    await driver.cycle!(params, { signal: signal() });
    expect(system.resets).toEqual(['ForceRestart', 'On']);
    expect(system.powerState).toBe('On');
  });

  it.each([
    ['PoweringOn', 'on'],
    ['PoweringOff', 'off'],
    ['Paused', 'on'],
  ] as const)('reads PowerState %s as %s', async (powerState, expected) => {
    const { params } = await start({ systems: [{ id: '1', powerState }] });
    expect(await driver.query(params, { signal: signal() })).toBe(expected);
  });

  it('logs in once per call, sends the session token, and deletes the session at the end', async () => {
    const { responder, params } = await start();
    await driver.on(params, { signal: signal() });
    const [login, ...rest] = responder.requests;
    expect(login).toMatchObject({ method: 'POST', path: '/redfish/v1/SessionService/Sessions', status: 201 });
    expect(rest.map((r) => r.auth)).toEqual(rest.map(() => 'session'));
    expect(rest.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/redfish/v1/SessionService/Sessions/1',
      status: 204,
    });
    expect(responder.openSessions).toBe(0);
    // The password travels in the login's body over TLS, never in a URL.
    expect(responder.requests.some((r) => r.path.includes('redfish-secret'))).toBe(false);
  });

  it('sends basic credentials on every request when power_auth is basic', async () => {
    const { responder, params } = await start();
    await driver.on({ ...params, power_auth: 'basic' }, { signal: signal() });
    expect(responder.requests.length).toBeGreaterThan(0);
    expect(responder.requests.every((r) => r.auth === 'basic')).toBe(true);
    expect(responder.requests.some((r) => r.path.startsWith('/redfish/v1/SessionService'))).toBe(false);
  });

  it('deletes the session when the call fails', async () => {
    const { responder, params } = await start({
      systems: [{ id: '1', powerState: 'On', resetTypes: ['On'] }],
    });
    expect((await failure(driver.off(params, { signal: signal() }))).code).toBe('power_failed');
    expect(responder.openSessions).toBe(0);
  });

  it('sets a one-time PXE boot that the next boot uses and then forgets', async () => {
    const { responder, params } = await start();
    const system = responder.system('1');
    await driver.setNextBootPxe!(params, { signal: signal() });
    expect(system.boot).toEqual({ enabled: 'Once', target: 'Pxe', mode: 'Legacy' });
    const patch = responder.requests.find((r) => r.method === 'PATCH');
    expect(JSON.parse(patch!.body)).toEqual({
      Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' },
    });
    // The ETag read with the system guards the PATCH (the responder refuses a stale one).
    expect(patch!.ifMatch).toBe('W/"1"');
    await driver.on(params, { signal: signal() });
    await driver.cycle!(params, { signal: signal() });
    expect(system.boots.map((b) => b.target)).toEqual(['Pxe', 'Hdd']);
    expect(system.boot.enabled).toBe('Disabled');
  });

  it('sets a one-time UEFI HTTP boot in UEFI mode', async () => {
    const { responder, params } = await start();
    await driver.setNextBootPxe!({ ...params, power_boot_target: 'UefiHttp' }, { signal: signal() });
    expect(responder.system('1').boot).toEqual({ enabled: 'Once', target: 'UefiHttp', mode: 'UEFI' });
    await driver.on(params, { signal: signal() });
    expect(responder.system('1').boots).toEqual([{ target: 'UefiHttp', mode: 'UEFI' }]);
  });

  it('refuses a boot target the system does not offer, naming what it offers', async () => {
    const { responder, params } = await start({
      systems: [{ id: '1', bootTargets: ['None', 'Pxe', 'Hdd'] }],
    });
    const error = await failure(
      driver.setNextBootPxe!({ ...params, power_boot_target: 'UefiHttp' }, { signal: signal() }),
    );
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain(
      'does not allow BootSourceOverrideTarget UefiHttp; it allows None, Pxe, Hdd',
    );
    expect(responder.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('posts to the Reset target the system gives, not a guessed one', async () => {
    const target = '/redfish/v1/Systems/1/Actions/Oem/Reset';
    const { responder, params } = await start({ systems: [{ id: '1', resetTarget: target }] });
    await driver.on(params, { signal: signal() });
    expect(responder.system('1').powerState).toBe('On');
    expect(responder.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toContain(target);
  });

  it('picks a ResetType the system allows, and names the allowed ones when none fits', async () => {
    const { responder, params } = await start({
      systems: [{ id: '1', powerState: 'On', resetTypes: ['On', 'GracefulShutdown', 'PowerCycle'] }],
    });
    await driver.cycle!(params, { signal: signal() });
    expect(responder.system('1').resets).toEqual(['PowerCycle']);
    const error = await failure(driver.off(params, { signal: signal() }));
    expect(error.code).toBe('power_failed');
    expect(error.message).toContain(
      'does not allow ResetType ForceOff for system 1; it allows On, GracefulShutdown, PowerCycle',
    );
  });

  it('reads the allowed ResetTypes from the action’s ActionInfo', async () => {
    const { responder, params } = await start({
      systems: [
        {
          id: '1',
          powerState: 'On',
          resetTypes: ['On', 'ForceOff', 'PowerCycle'],
          listResetTypes: 'actionInfo',
        },
      ],
    });
    await driver.cycle!(params, { signal: signal() });
    expect(responder.system('1').resets).toEqual(['PowerCycle']);
    expect(responder.requests.some((r) => r.path === '/redfish/v1/Systems/1/ResetActionInfo')).toBe(true);
  });

  it.each(['session', 'basic'])('reports a wrong password as an auth error at once (%s)', async (auth) => {
    const { responder, params } = await start();
    const error = await failure(
      driver.query({ ...params, power_auth: auth, power_pass: 'wrong-password' }, { signal: signal() }),
    );
    expect(error.code).toBe('power_auth_failed');
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('Check power_user and power_pass');
    expect(error.message).not.toContain('wrong-password');
    // The BMC's own explanation (Redfish ExtendedInfo) is part of the message.
    expect(error.message).toMatch(
      auth === 'session' ? /authorization error 'invalid credentials'/ : /no valid session/,
    );
    // Never retried: a lockout policy would count every try.
    expect(responder.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('refuses a self-signed certificate when verifying, saying how to allow it', async () => {
    const { responder, params } = await start();
    const error = await failure(driver.query({ ...params, power_verify_ssl: 'y' }, { signal: signal() }));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain(`The TLS certificate of the BMC at https://${responder.address}/`);
    expect(error.message).toContain('is not trusted (self-signed certificate)');
    expect(error.message).toContain('set power_verify_ssl to n');
    expect(responder.requests).toEqual([]);
    // With checking off, the same BMC answers.
    expect(await driver.query(params, { signal: signal() })).toBe('off');
  });

  it('trusts a BMC whose CA is in the system CA bundle', async () => {
    const { params } = await start();
    const dir = await mkdtemp(join(tmpdir(), 'ferrum-ca-'));
    try {
      const bundle = join(dir, 'ca-certificates.crt');
      await writeFile(bundle, certificate.cert);
      const trusting = createRedfishDriver({ ...quick, caBundlePaths: [join(dir, 'missing.crt'), bundle] });
      expect(await trusting.query({ ...params, power_verify_ssl: 'y' }, { signal: signal() })).toBe('off');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tries again while the BMC answers 503, and succeeds when it recovers', async () => {
    const { responder, params } = await start();
    responder.failNext(2);
    await driver.on(params, { signal: signal() });
    expect(responder.system('1').powerState).toBe('On');
    expect(responder.requests.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 201]);
  });

  it('gives up after six tries when the BMC stays busy', async () => {
    const { responder, params } = await start();
    responder.failNext(1_000);
    const error = await failure(driver.query(params, { signal: signal() }));
    expect(error.code).toBe('power_bmc_busy');
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain('The service is temporarily unavailable');
    expect(error.message).toMatch(/6 tries over \d+\.\d s/);
    expect(responder.requests).toHaveLength(6);
  });

  it('gives up within the call’s timeout however many tries are left', async () => {
    const { responder, params } = await start();
    responder.failNext(100_000);
    const patient = createRedfishDriver({
      timeoutMs: 600,
      retry: { tries: 1_000, firstDelayMs: 20, maxDelayMs: 50 },
    });
    const started = Date.now();
    const error = await failure(patient.query(params, { signal: signal() }));
    // The last 503 (busy) or, on a loaded machine, the deadline cutting a request in flight.
    expect(['power_bmc_busy', 'power_unreachable']).toContain(error.code);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(responder.requests.length).toBeGreaterThan(3);
  });

  it('stops waiting between tries when its signal is aborted', async () => {
    const { responder, params } = await start();
    responder.failNext(100_000);
    const patient = createRedfishDriver({
      timeoutMs: 30_000,
      retry: { tries: 1_000, firstDelayMs: 200, maxDelayMs: 200 },
    });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 300);
    const started = Date.now();
    await expect(patient.query(params, { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('asks for node_id when the BMC serves several systems, naming them', async () => {
    const { responder, params } = await start({ systems: [{ id: 'blade-1' }, { id: 'blade-2' }] });
    const error = await failure(driver.on(params, { signal: signal() }));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain('The BMC serves 2 systems (blade-1, blade-2): set node_id');
    expect(error.details.fields).toEqual({ power_parameters_node_id: ['One of: blade-1, blade-2.'] });
    await driver.on({ ...params, node_id: 'blade-2' }, { signal: signal() });
    expect([responder.system('blade-1').powerState, responder.system('blade-2').powerState]).toEqual([
      'Off',
      'On',
    ]);
  });

  it('reports a node_id the BMC does not have as a settings error, without retrying', async () => {
    const { responder, params } = await start();
    const error = await failure(driver.query({ ...params, node_id: 'nope' }, { signal: signal() }));
    expect(error.code).toBe('power_settings_invalid');
    expect(error.message).toContain('answered HTTP 404');
    expect(error.message).toContain("The resource at the URI '/redfish/v1/Systems/nope' was not found.");
    expect(error.message).toContain('Check power_address and node_id.');
    // One GET, and MAAS's second try with a trailing slash.
    expect(responder.requests.filter((r) => r.path.startsWith('/redfish/v1/Systems/nope'))).toHaveLength(2);
  });

  it('reports a dead address as unreachable', async () => {
    const port = await freePort();
    const params: PowerParameters = {
      power_address: `127.0.0.1:${port}`,
      power_user: 'admin',
      power_pass: 'redfish-secret',
      power_verify_ssl: 'n',
    };
    const error = await failure(driver.query(params, { signal: signal() }));
    expect(error.code).toBe('power_unreachable');
    expect(error.message).toContain(`Cannot connect to the BMC at https://127.0.0.1:${port}/`);
    expect(error.message).toContain('connection refused');
    expect(error.message).toContain('6 tries');
  });

  it('reports a power_address it cannot use as a settings error', async () => {
    const error = await failure(
      driver.query({ power_address: 'ftp://bmc', power_user: 'a', power_pass: 'b' }, { signal: signal() }),
    );
    expect(error.code).toBe('power_settings_invalid');
    expect(error.details.fields).toHaveProperty('power_parameters_power_address');
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
