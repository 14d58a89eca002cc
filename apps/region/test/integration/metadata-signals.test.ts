import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  commissioningMachine,
  machineJson,
  machineKey,
  md,
  signal,
  statusEvent,
} from './metadata-fixtures.js';

const region = useTestRegion();

async function commissioning(hostname: string) {
  const machine = await commissioningMachine(region, hostname);
  return { machine, key: await machineKey(region, machine.system_id) };
}

/** A machine deploying (allocated to the admin), with the installer's credentials. */
async function deploying(hostname: string) {
  const { machine, key } = await commissioning(hostname);
  expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
  const allocated = await region.request('POST', `${api}?op=allocate`, {
    key: region.adminKey,
    form: { name: hostname },
  });
  expect(allocated.statusCode, allocated.body).toBe(200);
  const deployed = await region.request('POST', `${api}${machine.system_id}/?op=deploy`, {
    key: region.adminKey,
  });
  expect(deployed.statusCode, deployed.body).toBe(200);
  return { machine, key: await machineKey(region, machine.system_id) };
}

async function status(systemId: string): Promise<string> {
  return (await machineJson(region, systemId)).status_name;
}

describe('op=signal', () => {
  it('moves a commissioning machine to Ready on OK', async () => {
    const { machine, key } = await commissioning('sig-ok');
    const working = await signal(
      region,
      key,
      { status: 'WORKING', name: '20-maas-01-install-lldpd', exit_status: '0', runtime: '1.5' },
      {
        '20-maas-01-install-lldpd': 'done',
        '20-maas-01-install-lldpd.out': 'done',
        '20-maas-01-install-lldpd.err': '',
      },
    );
    expect(working.statusCode, working.body).toBe(200);
    expect(await status(machine.system_id)).toBe('Commissioning');
    const ok = await signal(region, key, { status: 'OK' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await status(machine.system_id)).toBe('Ready');
  });

  it('moves a commissioning machine to Failed commissioning on FAILED, with the error', async () => {
    const { machine, key } = await commissioning('sig-failed');
    const failed = await signal(region, key, {
      status: 'FAILED',
      error: '50-maas-01-commissioning exited 1',
    });
    expect(failed.statusCode, failed.body).toBe(200);
    const after = await machineJson(region, machine.system_id);
    expect(after.status_name).toBe('Failed commissioning');
    expect(after.error_description).toBe('50-maas-01-commissioning exited 1');
  });

  it('goes on to Testing when the runner says tests follow, then to Ready', async () => {
    const { machine, key } = await commissioning('sig-testing');
    expect((await signal(region, key, { status: 'TESTING' })).statusCode).toBe(200);
    expect(await status(machine.system_id)).toBe('Testing');
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    expect(await status(machine.system_id)).toBe('Ready');
  });

  it('fails testing on FAILED', async () => {
    const { machine, key } = await commissioning('sig-test-fail');
    await signal(region, key, { status: 'TESTING' });
    expect((await signal(region, key, { status: 'FAILED' })).statusCode).toBe(200);
    expect(await status(machine.system_id)).toBe('Failed testing');
  });

  it('stores power settings from BMC auto-configuration, checked against the power type', async () => {
    const { machine, key } = await commissioning('sig-power');
    const params = {
      power_address: '10.0.0.9',
      power_user: 'maas',
      power_pass: 's3cret',
      power_driver: 'LAN_2_0',
    };
    const stored = await signal(region, key, {
      status: 'WORKING',
      power_type: 'ipmi',
      power_parameters: JSON.stringify(params),
    });
    expect(stored.statusCode, stored.body).toBe(200);
    expect((await machineJson(region, machine.system_id)).power_type).toBe('ipmi');
    const read = await region.request('GET', `${api}${machine.system_id}/?op=power_parameters`, {
      key: region.adminKey,
    });
    expect(read.json()).toMatchObject(params);

    const badJson = await signal(region, key, {
      status: 'WORKING',
      power_type: 'ipmi',
      power_parameters: '{nope',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toHaveProperty('power_parameters');
    const badValue = await signal(region, key, {
      status: 'WORKING',
      power_type: 'ipmi',
      power_parameters: JSON.stringify({ power_address: '10.0.0.9', power_driver: 'SERIAL' }),
    });
    expect(badValue.statusCode, badValue.body).toBe(400);
    expect(badValue.body).toContain('power_driver');
  });

  it('refuses an unknown or missing status word, naming the field', async () => {
    const { machine, key } = await commissioning('sig-bad');
    const unknown = await signal(region, key, { status: 'DANCING' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ status: string[] }>().status[0]).toContain("Unknown status: 'DANCING'");
    const missing = await signal(region, key, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toHaveProperty('status');
    const badExit = await signal(region, key, { status: 'WORKING', exit_status: 'zero' });
    expect(badExit.statusCode).toBe(400);
    expect(badExit.json()).toHaveProperty('exit_status');
    const badResources = await signal(
      region,
      key,
      { status: 'WORKING' },
      { '50-maas-01-commissioning.out': '{not json' },
    );
    expect(badResources.statusCode).toBe(400);
    expect(badResources.body).toContain('50-maas-01-commissioning.out');
    expect(await status(machine.system_id)).toBe('Commissioning');
  });

  it('needs the machine credentials', async () => {
    const anonymous = await region.request('POST', `${md}/latest/?op=signal`, { form: { status: 'OK' } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('fails a deployment on FAILED', async () => {
    const { machine, key } = await deploying('sig-deploy-fail');
    expect((await signal(region, key, { status: 'FAILED' })).statusCode).toBe(200);
    expect(await status(machine.system_id)).toBe('Failed deployment');
  });
});

describe('netboot', () => {
  it('netboot_off and netboot_on set whether the machine boots from the network', async () => {
    const { machine, key } = await deploying('netboot');
    expect((await machineJson(region, machine.system_id)).netboot).toBe(true);
    const off = await region.request('POST', `${md}/latest/?op=netboot_off`, { key });
    expect(off.statusCode, off.body).toBe(200);
    expect((await machineJson(region, machine.system_id)).netboot).toBe(false);
    const on = await region.request('POST', `${md}/latest/by-id/${machine.system_id}/?op=netboot_on`, {
      key,
    });
    expect(on.statusCode, on.body).toBe(200);
    expect((await machineJson(region, machine.system_id)).netboot).toBe(true);
    // MAAS takes by-id netboot_off anonymously; here it needs the machine's credentials.
    const anonymous = await region.request('POST', `${md}/latest/by-id/${machine.system_id}/?op=netboot_off`);
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('status webhook', () => {
  const modulesFinal = {
    event_type: 'finish',
    origin: 'cloud-init',
    name: 'modules-final',
    description: 'running modules for final',
    result: 'SUCCESS',
    timestamp: 1_700_000_000.5,
  };

  it("ends a deployment when the installed OS's cloud-init finishes modules-final", async () => {
    const { machine, key } = await deploying('hook-deployed');
    const install = await statusEvent(region, key, machine.system_id, {
      event_type: 'start',
      origin: 'curtin',
      name: 'cmd-install',
      description: 'curtin command install',
    });
    expect(install.statusCode, install.body).toBe(204);
    expect((await machineJson(region, machine.system_id)).status_message).toBe('Node installation');
    // The installer's own modules-final (netboot still on) is not the installed OS's.
    expect((await statusEvent(region, key, machine.system_id, modulesFinal)).statusCode).toBe(204);
    expect(await status(machine.system_id)).toBe('Deploying');
    await region.request('POST', `${md}/latest/?op=netboot_off`, { key });
    // cloud-init sends no Content-Type of its own: the body is read as JSON whatever it says.
    const done = await statusEvent(region, key, machine.system_id, modulesFinal, {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(done.statusCode, done.body).toBe(204);
    expect(await status(machine.system_id)).toBe('Deployed');
  });

  it('fails a deployment on a top-level FAILURE', async () => {
    const { machine, key } = await deploying('hook-failed');
    const failed = await statusEvent(region, key, machine.system_id, {
      event_type: 'finish',
      origin: 'curtin',
      name: 'cmd-install',
      description: 'curtin command install',
      result: 'FAILURE',
      files: [{ name: 'install.log', encoding: 'base64', content: Buffer.from('boom').toString('base64') }],
    });
    expect(failed.statusCode, failed.body).toBe(204);
    const after = await machineJson(region, machine.system_id);
    expect(after.status_name).toBe('Failed deployment');
    expect(after.error_description).toContain('Installation failed');
  });

  it("refuses a machine's credentials for another machine's events (403), bad ones (401)", async () => {
    const a = await commissioning('hook-a');
    const b = await commissioning('hook-b');
    const crossed = await statusEvent(region, a.key, b.machine.system_id, modulesFinal);
    expect(crossed.statusCode).toBe(403);
    const wrong = await statusEvent(region, a.key, a.machine.system_id, modulesFinal, {
      secret: 'y'.repeat(32),
    });
    expect(wrong.statusCode).toBe(401);
    expect(await status(b.machine.system_id)).toBe('Commissioning');
  });

  it('refuses bad JSON and bad events with 400 naming what is wrong', async () => {
    const { machine, key } = await commissioning('hook-bad');
    const notJson = await statusEvent(region, key, machine.system_id, '{"event_type": ');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toHaveProperty('body');
    const badType = await statusEvent(region, key, machine.system_id, {
      ...modulesFinal,
      event_type: 'done',
    });
    expect(badType.statusCode).toBe(400);
    expect(badType.json()).toHaveProperty('event_type');
    const badFile = await statusEvent(region, key, machine.system_id, {
      ...modulesFinal,
      files: [{ name: 'x', encoding: 'uuencode', content: '' }],
    });
    expect(badFile.statusCode).toBe(400);
    expect(badFile.json()).toHaveProperty(['files[0].encoding']);
  });
});
