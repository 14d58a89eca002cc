import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '@ferrum/domain';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';
import { startIpmiSim, type IpmiSim } from '../../test/support/ipmi-sim.js';
import { createFenceDriver, fenceDriver, redactSecrets } from './fence-driver.js';
import { runPowerDriverContract } from './power-driver-contract.js';

// Against OpenIPMI's ipmi_sim on loopback: the real fence_ipmilan (fence-agents), which runs
// the real ipmitool. lanplus with cipher suite 3 (ipmi_sim lacks 17, and without -C ipmitool
// spends 10 s probing); power_wait=0 as ipmi_sim switches at once (fence_ipmilan waits 2 s).
let bmc: IpmiSim;
beforeAll(async () => {
  // Not 'password': the contract looks for the secret in messages that say "password".
  bmc = await startIpmiSim({ user: 'admin', password: 'fence-pw-7431' });
}, 30_000);
afterAll(async () => {
  await bmc.close();
});

const params = (over: Record<string, string> = {}) => ({
  fence_agent: 'ipmilan',
  power_address: `${bmc.host}:${String(bmc.port)}`,
  power_user: 'admin',
  power_pass: 'fence-pw-7431',
  plug: '',
  fence_options: 'lanplus=1\ncipher=3\npower_wait=0',
  ...over,
});
const ctx = () => ({ signal: new AbortController().signal });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as AppError,
  );

runPowerDriverContract('fence', () => ({
  driver: fenceDriver,
  parameters: params(),
  peerState: () => bmc.powerState(),
  wrongCredentials: params({ power_pass: 'wrong-pass-xyz' }),
}));

describe('fenceDriver with fence_ipmilan against ipmi_sim', () => {
  it('switches the simulated chassis on, off and through a reboot, and reads it back', async () => {
    await fenceDriver.on(params(), ctx());
    expect(await bmc.powerState()).toBe('on');
    expect(await fenceDriver.query(params(), ctx())).toBe('on');
    const before = await bmc.shutdowns();
    await fenceDriver.cycle?.(params(), ctx());
    expect(await bmc.shutdowns()).toBe(before + 1);
    expect(await bmc.powerState()).toBe('on');
    await fenceDriver.off(params(), ctx());
    expect(await bmc.powerState()).toBe('off');
    expect(await fenceDriver.query(params(), ctx())).toBe('off');
  }, 30_000);

  it('reports a wrong password as an authentication error, without the password', async () => {
    const error = await failure(fenceDriver.query(params({ power_pass: 'wrong-pass-xyz' }), ctx()));
    expect(error).toMatchObject({ code: 'power_auth_failed' });
    expect(error.message).toMatch(/refused the user name or password/);
    expect(error.message).toMatch(/RAKP 2 HMAC is invalid/);
    expect(error.message).not.toContain('wrong-pass-xyz');
  });

  it('reports an unknown user as an authentication error', async () => {
    await expect(fenceDriver.query(params({ power_user: 'nobody' }), ctx())).rejects.toMatchObject({
      code: 'power_auth_failed',
    });
  });

  it('reports a dead address as unreachable within seconds', async () => {
    const started = Date.now();
    const error = await failure(
      fenceDriver.query(
        params({ power_address: '127.0.0.1:9', fence_options: 'lanplus=1\ncipher=3\npower_timeout=3' }),
        ctx(),
      ),
    );
    expect(error).toMatchObject({ code: 'power_unreachable' });
    expect(error.message).toMatch(/did not answer.*Connection timed out/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('reports a cipher suite the BMC lacks as a settings error', async () => {
    await expect(
      fenceDriver.query(params({ fence_options: 'lanplus=1\ncipher=17\npower_wait=0' }), ctx()),
    ).rejects.toMatchObject({ code: 'power_settings_invalid' });
  });

  it('reports an agent that is not installed as a missing tool, naming the package', async () => {
    const error = await failure(fenceDriver.query(params({ fence_agent: 'nosuchagent' }), ctx()));
    expect(error).toMatchObject({
      code: 'power_tool_missing',
      details: { tool: 'fence_nosuchagent', package: 'fence-agents' },
    });
    expect(error.message).toMatch(/fence_nosuchagent is not installed.*Debian package fence-agents/);
  });

  it('refuses an agent name that is not one, before running anything', async () => {
    let ran = false;
    const driver = createFenceDriver({
      run: () => {
        ran = true;
        return Promise.reject(new Error('must not run'));
      },
    });
    for (const agent of ['../../bin/sh', 'ipmi lan', 'IPMILAN', 'ipmilan;id', ''])
      await expect(driver.query(params({ fence_agent: agent }), ctx())).rejects.toMatchObject({
        code: 'power_settings_invalid',
        details: { fields: { power_parameters_fence_agent: [expect.any(String)] } },
      });
    expect(ran).toBe(false);
  });
});

describe('fenceDriver calls', () => {
  const seen: { file: string; args: readonly string[]; options: RunCommandOptions }[] = [];
  const answering =
    (result: Partial<CommandResult>) =>
    (file: string, args: readonly string[], options: RunCommandOptions) => {
      seen.push({ file, args, options });
      return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', timedOut: false, ...result });
    };
  // The agent is looked up for real: these tests run where fence-agents is installed.
  const spy = (result: Partial<CommandResult> = {}) => createFenceDriver({ run: answering(result) });

  it('gives every option on stdin and nothing on the command line or in the environment', async () => {
    seen.length = 0;
    await spy().on(params({ power_pass: 'pa ss"word', plug: '3' }), ctx());
    const [call] = seen;
    expect(call?.file).toBe('fence_ipmilan');
    expect(call?.args).toEqual([]);
    expect(JSON.stringify(call?.options.env)).not.toContain('pa ss');
    expect(call?.options.input).toBe(
      [
        'action=on',
        'ip="127.0.0.1"',
        `ipport=${String(bmc.port)}`,
        'username="admin"',
        'password="pa ss"word"',
        'plug="3"',
        'lanplus=1',
        'cipher=3',
        'power_wait=0',
        'verbose_level=2',
        '',
      ].join('\n'),
    );
    expect(call?.options.timeoutMs).toBe(50_000);
  });

  it.each([
    [0, 'on'],
    [2, 'off'],
  ] as const)('reads status exit code %i as %s', async (exitCode, state) => {
    expect(await spy({ exitCode }).query(params(), ctx())).toBe(state);
  });

  it('treats exit code 2 from on as a failure, not as off', async () => {
    await expect(spy({ exitCode: 2 }).on(params(), ctx())).rejects.toMatchObject({ code: 'power_failed' });
  });

  it('fails a reboot after which the machine did not come back on', async () => {
    const driver = spy({ stderr: '2026-12-03 09:00:00,000 ERROR: Timed out waiting to power ON\n' });
    await expect(driver.cycle?.(params(), ctx())).rejects.toMatchObject({
      code: 'power_failed',
      message: expect.stringMatching(/did not reach the new power state/) as string,
    });
  });

  it('blanks the password out of whatever the agent says', async () => {
    const stderr = [
      '2026-12-03 09:00:00,000 DEBUG: Sent: s3cr3t-pw',
      "2026-12-03 09:00:00,000 DEBUG: Running ssh -P 's3cr3t-pw'",
      '2026-12-03 09:00:00,000 ERROR: Permission denied for s3cr3t-pw',
    ].join('\n');
    const error = await failure(
      spy({ exitCode: 1, stderr }).query(params({ power_pass: 's3cr3t-pw' }), ctx()),
    );
    expect(error).toMatchObject({ code: 'power_auth_failed' });
    expect(error.message).toContain('Permission denied for [secret]');
    expect(error.message).not.toContain('s3cr3t-pw');
  });

  it('reports a timeout of its own as unreachable', async () => {
    await expect(spy({ exitCode: -1, timedOut: true }).query(params(), ctx())).rejects.toMatchObject({
      code: 'power_unreachable',
      message: expect.stringMatching(/did not finish within 50 s/) as string,
    });
  });
});

describe('fenceDriver with a stand-in agent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferrum-fence-'));
    // Records its stdin and argv, then behaves as its name says.
    await writeFile(
      join(dir, 'fence_record'),
      `#!/bin/sh\ncat > "${dir}/stdin"\necho "$@" > "${dir}/argv"\n`,
    );
    await writeFile(join(dir, 'fence_sleepy'), '#!/bin/sh\nexec sleep 30\n');
    await chmod(join(dir, 'fence_record'), 0o755);
    await chmod(join(dir, 'fence_sleepy'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const local = (timeoutMs = 5000) => createFenceDriver({ searchPath: `${dir}:/usr/bin:/bin`, timeoutMs });

  it('hands the agent its options on stdin, through the real runCommand', async () => {
    await local().on(params({ fence_agent: 'record', power_pass: 'hunter2' }), ctx());
    const read = (name: string) => runCommand('cat', [join(dir, name)], { timeoutMs: 2000 });
    expect((await read('stdin')).stdout).toContain('password="hunter2"\n');
    expect((await read('argv')).stdout.trim()).toBe('');
    // Not of the ipmilan family, so not verbose: most agents log what they send at verbose.
    expect((await read('stdin')).stdout).not.toContain('verbose');
  });

  it('stops an agent that runs past the timeout', async () => {
    const started = Date.now();
    await expect(local(300).query(params({ fence_agent: 'sleepy' }), ctx())).rejects.toMatchObject({
      code: 'power_unreachable',
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops an agent when the caller gives up', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 200);
    const started = Date.now();
    const error = await failure(
      local().query(params({ fence_agent: 'sleepy' }), { signal: controller.signal }),
    );
    expect(error).toMatchObject({ name: 'AbortError', cause: reason });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe(redactSecrets, () => {
  it('blanks a secret and its shell-quoted form', () => {
    expect(redactSecrets("pw=it's -P 'it'\"'\"'s'", ["it's"])).toBe('pw=[secret] -P [secret]');
  });

  it('leaves text alone when there is no secret', () => {
    expect(redactSecrets('nothing here', [''])).toBe('nothing here');
  });
});
