import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type RunCommandOptions } from '@ferrum/kit';
import { startIpmiSim, type IpmiSim } from '../../test/support/ipmi-sim.js';
import { createIpmiDriver, ipmiAddress, ipmiDriver } from './ipmi-driver.js';
import { runPowerDriverContract } from './power-driver-contract.js';

// Against OpenIPMI's ipmi_sim on loopback: the real ipmitool, a real RMCP+ session.
let bmc: IpmiSim;
beforeAll(async () => {
  bmc = await startIpmiSim({ user: 'admin', password: 'password' });
}, 30_000);
afterAll(async () => {
  await bmc.close();
});

const params = (over: Record<string, string> = {}) => ({
  power_driver: 'LAN_2_0',
  power_boot_type: 'auto',
  power_address: `${bmc.host}:${String(bmc.port)}`,
  power_user: 'admin',
  power_pass: 'password',
  k_g: '',
  cipher_suite_id: '3',
  privilege_level: 'ADMIN',
  mac_address: '',
  power_off_mode: 'hard',
  ...over,
});
const ctx = () => ({ signal: new AbortController().signal });

runPowerDriverContract('ipmi', () => ({ driver: ipmiDriver, parameters: params() }));

describe('ipmiDriver against ipmi_sim', () => {
  it('switches the simulated chassis on, off and through a cycle, and reads it back', async () => {
    await ipmiDriver.on(params(), ctx());
    expect(await bmc.powerState()).toBe('on');
    expect(await ipmiDriver.query(params(), ctx())).toBe('on');
    const before = await bmc.shutdowns();
    await ipmiDriver.cycle?.(params(), ctx());
    expect(await bmc.shutdowns()).toBe(before + 1);
    await ipmiDriver.off(params(), ctx());
    expect(await bmc.powerState()).toBe('off');
    expect(await ipmiDriver.query(params(), ctx())).toBe('off');
  }, 30_000);

  it('sets a one-time network boot', async () => {
    await ipmiDriver.setNextBootPxe?.(params({ power_boot_type: 'efi' }), ctx());
    expect(await bmc.bootDevice()).toBe('pxe');
  });

  it('reports a wrong password as an authentication error, without the password', async () => {
    const error = await ipmiDriver
      .query(params({ power_pass: 'wrong-pass-xyz' }), ctx())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'power_auth_failed' });
    expect((error as Error).message).toMatch(/refused the user name or password/);
    expect((error as Error).message).not.toContain('wrong-pass-xyz');
  });

  it('reports an unknown user as an authentication error', async () => {
    await expect(ipmiDriver.query(params({ power_user: 'nobody' }), ctx())).rejects.toMatchObject({
      code: 'power_auth_failed',
    });
  });

  it('reports a dead address as unreachable within seconds', async () => {
    const started = Date.now();
    await expect(ipmiDriver.query(params({ power_address: '127.0.0.1:9' }), ctx())).rejects.toMatchObject({
      code: 'power_unreachable',
      message: expect.stringMatching(/did not answer/) as string,
    });
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it('reports a cipher suite the BMC lacks as a settings error', async () => {
    await expect(ipmiDriver.query(params({ cipher_suite_id: '17' }), ctx())).rejects.toMatchObject({
      code: 'power_settings_invalid',
    });
  });

  it('reports a missing ipmitool as a missing tool', async () => {
    const missing = createIpmiDriver(() =>
      Promise.reject(Object.assign(new Error('spawn ipmitool ENOENT'), { code: 'ENOENT' })),
    );
    await expect(missing.query(params(), ctx())).rejects.toMatchObject({ code: 'power_tool_missing' });
  });

  it('never puts the password or the K_g key on the command line', async () => {
    const seen: { args: readonly string[]; options: RunCommandOptions }[] = [];
    const spy = createIpmiDriver((file, args, options) => {
      seen.push({ args, options });
      return runCommand(file, args, options);
    });
    await spy.query(params({ k_g: 'kg-secret-1234' }), ctx()).catch(() => undefined);
    await spy.on(params(), ctx());
    expect(seen.length).toBeGreaterThan(0);
    for (const { args, options } of seen) {
      expect(args.join(' ')).not.toMatch(/password|kg-secret-1234/);
      expect(options.env?.['IPMI_PASSWORD']).toBe('password');
    }
    expect(seen[0]?.args).toContain('-K');
    expect(seen[0]?.options.env?.['IPMI_KGKEY']).toBe('kg-secret-1234');
  });
});

describe(ipmiAddress, () => {
  it.each([
    ['10.0.0.5', { host: '10.0.0.5' }],
    ['10.0.0.5:623', { host: '10.0.0.5', port: '623' }],
    ['[fd00::5]:623', { host: 'fd00::5', port: '623' }],
    ['fd00::5', { host: 'fd00::5' }],
    ['bmc-1.example.com', { host: 'bmc-1.example.com' }],
  ])('reads %s', (text, expected) => {
    expect(ipmiAddress(text)).toEqual(expected);
  });
});
