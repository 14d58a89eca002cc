import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';
import type { PowerContext } from '@ferrum/protocol';
import {
  libvirtDaemonMissing,
  startLibvirtDaemon,
  type LibvirtDaemon,
} from '../../test/support/libvirt-daemon.js';
import { sshHostMissing, startSshHost, type SshHost } from '../../test/support/libvirt-ssh-host.js';
import { runPowerDriverContract } from './power-driver-contract.js';
import { createVirshDriver, virshDriver, type VirshRunner } from './virsh-driver.js';

const exec = promisify(execFile);
const ctx = (): PowerContext => ({ signal: new AbortController().signal });

/** A test-driver domain: nothing runs, libvirtd switches its state. */
const domainXml = (name: string, body: string) => `<domain type='test'>
  <name>${name}</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
${body}
</domain>
`;
const osBootDomain = (name: string) =>
  domainXml(
    name,
    `  <os>
    <type arch='x86_64'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <interface type='user'><mac address='52:54:00:00:00:01'/></interface>
  </devices>`,
  );
const perDeviceBootDomain = (name: string) =>
  domainXml(
    name,
    `  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/nonexistent/vda.img'/><target dev='vda' bus='virtio'/><boot order='1'/></disk>
    <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
  </devices>`,
  );

// Skipped only off CI (a developer without the packages); in CI a missing package fails the run,
// since npm test installs them.
const missing = process.env['CI'] ? undefined : libvirtDaemonMissing();
// Everything a key file or a shell could trip over, but a line break (which is refused).
const oddPassword = ` lead\\back\ttab #hash;semi="dq'sq $(x) \``;
let daemon: LibvirtDaemon;
const params = (over: Record<string, string> = {}) => ({
  power_address: daemon.uri,
  power_pass: daemon.password,
  power_id: 'ferrum-vm-1',
  ...over,
});

describe.skipIf(missing !== undefined)(
  missing ? `virsh against a private libvirtd — SKIPPED: ${missing}` : 'virsh against a private libvirtd',
  () => {
    beforeAll(async () => {
      daemon = await startLibvirtDaemon({ user: 'ferrum', password: 'libvirt-secret-42' }, [
        { user: 'odd.user', password: oddPassword },
      ]);
      for (const name of ['ferrum-vm-1', 'ferrum-vm-2', 'ferrum-vm-pxe', 'ferrum-vm-ssh'])
        await daemon.define(osBootDomain(name));
      await daemon.define(perDeviceBootDomain('ferrum-vm-perdev'));
    }, 30_000);
    afterAll(async () => {
      await daemon.close();
    });

    runPowerDriverContract('virsh', () => ({
      driver: virshDriver,
      parameters: params(),
      peerState: async () => ((await daemon.isRunning('ferrum-vm-1')) ? 'on' : 'off'),
      wrongCredentials: params({ power_pass: 'wrong-password-77' }),
    }));

    describe('virshDriver', () => {
      const vm2 = (over: Record<string, string> = {}) => params({ power_id: 'ferrum-vm-2', ...over });

      it('starts and destroys the domain, and reads it back', async () => {
        const from = daemon.events('ferrum-vm-2').length;
        await virshDriver.on(vm2(), ctx());
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(true);
        expect(await virshDriver.query(vm2(), ctx())).toBe('on');
        await virshDriver.off(vm2(), ctx());
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(false);
        expect(await virshDriver.query(vm2(), ctx())).toBe('off');
        expect(await daemon.eventsSince('ferrum-vm-2', from, 2)).toEqual([
          'Started Booted',
          'Stopped Destroyed',
        ]);
      });

      it('treats on when on and off when off as done', async () => {
        await virshDriver.on(vm2(), ctx());
        await virshDriver.on(vm2(), ctx());
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(true);
        await virshDriver.off(vm2(), ctx());
        await virshDriver.off(vm2(), ctx());
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(false);
      });

      it('finds the domain by UUID as well as by name', async () => {
        const uuid = (await daemon.virsh(['domuuid', '--domain', 'ferrum-vm-2'])).trim();
        expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(await virshDriver.query(vm2({ power_id: uuid }), ctx())).toBe('off');
      });

      it('cycles a running domain by destroying and starting it', async () => {
        const from = daemon.events('ferrum-vm-2').length;
        await virshDriver.on(vm2(), ctx());
        await virshDriver.cycle?.(vm2(), ctx());
        expect(await daemon.eventsSince('ferrum-vm-2', from, 3)).toEqual([
          'Started Booted',
          'Stopped Destroyed',
          'Started Booted',
        ]);
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(true);
        await virshDriver.off(vm2(), ctx());
      });

      it('shuts the guest down on a soft off', async () => {
        const from = daemon.events('ferrum-vm-2').length;
        await virshDriver.on(vm2(), ctx());
        await virshDriver.off(vm2(), { ...ctx(), stopMode: 'soft' });
        expect(await daemon.eventsSince('ferrum-vm-2', from, 2)).toEqual([
          'Started Booted',
          'Stopped Shutdown',
        ]);
        expect(await virshDriver.query(vm2(), ctx())).toBe('off');
      });

      it('reports a paused domain as off, and resumes it on power on', async () => {
        const from = daemon.events('ferrum-vm-2').length;
        await virshDriver.on(vm2(), ctx());
        await daemon.virsh(['suspend', '--domain', 'ferrum-vm-2']);
        expect(await virshDriver.query(vm2(), ctx())).toBe('off');
        await virshDriver.on(vm2(), ctx());
        expect(await daemon.eventsSince('ferrum-vm-2', from, 3)).toEqual([
          'Started Booted',
          'Suspended Paused',
          'Resumed Unpaused',
        ]);
        expect(await virshDriver.query(vm2(), ctx())).toBe('on');
        await virshDriver.off(vm2(), ctx());
      });

      it('puts the network first in the boot order, as MAAS does, and applies it at the next start', async () => {
        const pxe = params({ power_id: 'ferrum-vm-pxe' });
        await virshDriver.on(pxe, ctx());
        await virshDriver.setNextBootPxe?.(pxe, ctx());
        const persistent = await daemon.virsh(['dumpxml', '--domain', 'ferrum-vm-pxe', '--inactive']);
        expect([...persistent.matchAll(/<boot dev='(\w+)'\/>/g)].map((m) => m[1])).toEqual(['network', 'hd']);
        // The running definition keeps its boot order until the domain starts again.
        expect(await daemon.virsh(['dumpxml', '--domain', 'ferrum-vm-pxe'])).not.toContain(
          "<boot dev='network'/>",
        );
        await virshDriver.cycle?.(pxe, ctx());
        expect(await daemon.virsh(['dumpxml', '--domain', 'ferrum-vm-pxe'])).toContain(
          "<boot dev='network'/>",
        );
        await virshDriver.off(pxe, ctx());
      });

      it('leaves a domain that already boots from the network first undefined again', async () => {
        const pxe = params({ power_id: 'ferrum-vm-pxe' });
        const first = daemon.events('ferrum-vm-pxe').length;
        await virshDriver.setNextBootPxe?.(pxe, ctx());
        await virshDriver.on(pxe, ctx());
        await daemon.eventsUntil('ferrum-vm-pxe', first, 'Started Booted');
        // Events come in order: a define by the second call would come before the stop.
        const second = daemon.events('ferrum-vm-pxe').length;
        await virshDriver.setNextBootPxe?.(pxe, ctx());
        await virshDriver.off(pxe, ctx());
        expect(await daemon.eventsUntil('ferrum-vm-pxe', second, 'Stopped Destroyed')).toEqual([
          'Stopped Destroyed',
        ]);
      });

      it('moves the network interface first when the devices carry their own boot order', async () => {
        await virshDriver.setNextBootPxe?.(params({ power_id: 'ferrum-vm-perdev' }), ctx());
        const xml = await daemon.virsh(['dumpxml', '--domain', 'ferrum-vm-perdev', '--inactive']);
        expect(xml).toMatch(/<interface[^>]*>(?:(?!<\/interface>)[\s\S])*<boot order='1'\/>/);
        expect(xml).toMatch(/<disk[^>]*>(?:(?!<\/disk>)[\s\S])*<boot order='2'\/>/);
        expect(xml).not.toMatch(/<boot dev=/);
      });

      it('reports an unknown domain as a settings error naming power_id', async () => {
        const error = await virshDriver
          .query(params({ power_id: 'no-such-vm' }), ctx())
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({
          code: 'power_settings_invalid',
          details: {
            fields: { power_parameters_power_id: [expect.stringContaining('no-such-vm') as string] },
          },
        });
        expect((error as Error).message).toMatch(/no domain "no-such-vm" \(power_id\)/);
      });

      it('reports a wrong password as an authentication error, without the password', async () => {
        const error = await virshDriver.on(vm2({ power_pass: 'not-it-9' }), ctx()).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'power_auth_failed' });
        expect((error as Error).message).not.toContain('not-it-9');
        expect(await daemon.isRunning('ferrum-vm-2')).toBe(false);
      });

      it('logs in with a password of spaces, quotes, backslashes and shell characters', async () => {
        const odd = vm2({
          power_address: daemon.uri.replace('//ferrum@', '//odd.user@'),
          power_pass: oddPassword,
        });
        expect(await virshDriver.query(odd, ctx())).toBe('off');
      });

      it('refuses a password with a line break before running virsh', async () => {
        await expect(virshDriver.query(vm2({ power_pass: 'a\nb' }), ctx())).rejects.toMatchObject({
          code: 'power_settings_invalid',
          details: { fields: { power_parameters_power_pass: [expect.any(String)] } },
        });
      });

      it('reports a missing password as an authentication error', async () => {
        await expect(virshDriver.query(vm2({ power_pass: '' }), ctx())).rejects.toMatchObject({
          code: 'power_auth_failed',
        });
      });

      it('reports a socket nobody listens on as unreachable', async () => {
        const dead = daemon.uri.replace(/socket=[^&]*/, 'socket=/nonexistent/ferrum/libvirt-sock');
        await expect(virshDriver.query(vm2({ power_address: dead }), ctx())).rejects.toMatchObject({
          code: 'power_unreachable',
        });
      });

      it('keeps the password out of argv and leaves no file behind', async () => {
        const seen: { args: readonly string[]; options: RunCommandOptions; authMode?: number }[] = [];
        const spy = createVirshDriver({
          run: async (file, args, options) => {
            const auth = options.env?.['LIBVIRT_AUTH_FILE'];
            seen.push({ args, options, ...(auth ? { authMode: (await stat(auth)).mode & 0o777 } : {}) });
            return runCommand(file, args, options);
          },
        });
        await spy.query(vm2(), ctx());
        await spy.setNextBootPxe?.(params({ power_id: 'ferrum-vm-pxe' }), ctx());
        expect(seen.length).toBeGreaterThan(1);
        for (const { args, options, authMode } of seen) {
          expect(args.join(' ')).not.toContain(daemon.password);
          expect(JSON.stringify(options.env)).not.toContain(daemon.password);
          expect(authMode).toBe(0o600);
          expect(options.timeoutMs).toBeGreaterThan(0);
          expect(options.signal).toBeDefined();
          await expect(stat(options.env?.['LIBVIRT_AUTH_FILE'] ?? '')).rejects.toMatchObject({
            code: 'ENOENT',
          });
        }
      });
    });

    // The way MAAS users reach their VM hosts: qemu+ssh:// with a password. Real ssh and a real
    // sshd (Dropbear) in front of the same libvirtd; the password goes through SSH_ASKPASS.
    const sshMissing = process.env['CI'] ? undefined : sshHostMissing();
    describe.skipIf(sshMissing !== undefined)(
      sshMissing ? `over ssh — SKIPPED: ${sshMissing}` : 'over ssh',
      () => {
        let sshHost: SshHost;
        const overSsh = (over: Record<string, string> = {}) => ({
          power_address: `test+ssh://${daemon.user}@${sshHost.host}:${String(sshHost.port)}/default?socket=${daemon.socket}`,
          power_pass: daemon.password,
          power_id: 'ferrum-vm-ssh',
          ...over,
        });
        beforeAll(async () => {
          sshHost = await startSshHost({
            user: daemon.user,
            password: daemon.password,
            uid: daemon.uid,
            gid: daemon.gid,
          });
        }, 30_000);
        afterAll(async () => {
          await sshHost.close();
        });

        runPowerDriverContract('virsh over ssh', () => ({
          driver: createVirshDriver({ run: sshHost.run }),
          parameters: overSsh(),
          peerState: async () => ((await daemon.isRunning('ferrum-vm-ssh')) ? 'on' : 'off'),
          wrongCredentials: overSsh({ power_pass: 'wrong-ssh-password-5' }),
        }));

        it('trusts the VM host on first contact and logs in with the password', async () => {
          const driver = createVirshDriver({ run: sshHost.run });
          await driver.on(overSsh(), ctx());
          expect(await daemon.isRunning('ferrum-vm-ssh')).toBe(true);
          // ssh answered the askpass's "yes" by recording the host's key (hashed, as Debian's ssh does).
          const found = await exec('ssh-keygen', [
            '-F',
            `[127.0.0.1]:${String(sshHost.port)}`,
            '-f',
            `${sshHost.clientHome}/.ssh/known_hosts`,
          ]);
          expect(found.stdout).toMatch(/ssh-ed25519 /);
          await driver.off(overSsh(), ctx());
          expect(await daemon.isRunning('ferrum-vm-ssh')).toBe(false);
        });

        it('reports a wrong ssh password as an authentication error, without the password', async () => {
          const driver = createVirshDriver({ run: sshHost.run });
          const error = await driver
            .query(overSsh({ power_pass: 'wrong-ssh-password-5' }), ctx())
            .catch((e: unknown) => e);
          expect(error).toMatchObject({
            code: 'power_auth_failed',
            message: expect.stringMatching(/refused the ssh login/) as string,
          });
          expect((error as Error).message).not.toContain('wrong-ssh-password-5');
        });

        it('reports an ssh port nobody listens on as unreachable', async () => {
          const driver = createVirshDriver({ run: sshHost.run });
          const dead = overSsh({
            power_address: `test+ssh://${daemon.user}@127.0.0.1:9/default?socket=${daemon.socket}`,
          });
          await expect(driver.query(dead, ctx())).rejects.toMatchObject({ code: 'power_unreachable' });
        });
      },
    );
  },
);

describe('virshDriver without a daemon', () => {
  const remote = {
    power_address: 'qemu+tcp://127.0.0.1:9/system',
    power_pass: '',
    power_id: 'vm-1',
  };

  it('reports a dead URI as unreachable, within seconds', async () => {
    const started = Date.now();
    await expect(virshDriver.query(remote, ctx())).rejects.toMatchObject({
      code: 'power_unreachable',
      message: expect.stringMatching(/did not answer.*127\.0\.0\.1:9.*Connection refused/) as string,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses an address that would make virsh run a program, before running anything', async () => {
    const ran: string[] = [];
    const spy = createVirshDriver({
      run: (file) => {
        ran.push(file);
        return Promise.resolve({ exitCode: 0, stdout: 'running\n', stderr: '', timedOut: false });
      },
    });
    for (const address of [
      'qemu+ext:///system?command=/bin/sh',
      'qemu+ssh://user@host/system?command=/tmp/evil',
      'qemu+ssh://user@host/system?netcat=rm',
      'qemu+ssh://user:secret@host/system',
    ])
      await expect(spy.query({ ...remote, power_address: address }, ctx())).rejects.toMatchObject({
        code: 'power_settings_invalid',
      });
    expect(ran).toEqual([]);
  });

  it('reports a missing virsh as a missing tool naming libvirt-clients', async () => {
    const gone = createVirshDriver({
      run: () => Promise.reject(Object.assign(new Error('spawn virsh ENOENT'), { code: 'ENOENT' })),
    });
    await expect(gone.query(remote, ctx())).rejects.toMatchObject({
      code: 'power_tool_missing',
      message: expect.stringContaining('libvirt-clients') as string,
    });
  });

  it('reports a virsh that does not finish in time as unreachable', async () => {
    const slow = createVirshDriver({
      timeoutMs: 200,
      run: (_file, _args, options) => runCommand('sleep', ['5'], options),
    });
    const started = Date.now();
    await expect(slow.query(remote, ctx())).rejects.toMatchObject({ code: 'power_unreachable' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops virsh when the caller gives up', async () => {
    const slow = createVirshDriver({ run: (_file, _args, options) => runCommand('sleep', ['5'], options) });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 100);
    const started = Date.now();
    const error = await slow.query(remote, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', cause: reason });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives the ssh password through SSH_ASKPASS only, from a private file, in a session without a terminal', async () => {
    const calls: { file: string; args: readonly string[]; env: Record<string, string | undefined> }[] = [];
    const answers: string[] = [];
    const modes: number[] = [];
    const spy = createVirshDriver({
      run: async (file, args, options) => {
        const env = { ...options.env };
        calls.push({ file, args, env });
        const askpass = env['SSH_ASKPASS'] ?? '';
        modes.push((await stat(askpass)).mode & 0o777, (await stat(dirname(askpass))).mode & 0o777);
        // What ssh does with it: runs it with its prompt, reads the answer.
        for (const prompt of [
          "bob@vmhost's password: ",
          'Are you sure you want to continue connecting (yes/no/[fingerprint])? ',
        ])
          answers.push((await exec(askpass, [prompt])).stdout);
        return {
          exitCode: 1,
          stdout: '',
          stderr:
            'error: failed to connect to the hypervisor\nerror: Cannot recv data: Permission denied, please try again.\r\nbob@vmhost: Permission denied (publickey,password).: Connection reset by peer\n',
          timedOut: false,
        } satisfies CommandResult;
      },
    });
    const ssh = {
      power_address: 'qemu+ssh://bob@vmhost/system',
      power_pass: "it's a s3cret",
      power_id: 'vm-1',
    };
    const error = await spy.query(ssh, ctx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'power_auth_failed' });
    expect((error as Error).message).not.toContain('s3cret');
    const [call] = calls;
    expect(call?.file).toBe('setsid');
    expect(call?.args).toEqual([
      '--wait',
      'virsh',
      '--quiet',
      '--connect',
      ssh.power_address,
      'domstate',
      '--domain',
      'vm-1',
    ]);
    expect(JSON.stringify(call?.env)).not.toContain('s3cret');
    expect(call?.env['DISPLAY']).toBeTruthy();
    expect(answers).toEqual(["it's a s3cret\n", 'yes\n']);
    expect(modes).toEqual([0o700, 0o700]);
    await expect(stat(call?.env['SSH_ASKPASS'] ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('runs one virsh per state query with the domain as a named argument', async () => {
    const seen: (readonly string[])[] = [];
    const spy = createVirshDriver({
      run: ((_file, args) => {
        seen.push(args);
        return Promise.resolve({ exitCode: 0, stdout: 'shut off\n\n', stderr: '', timedOut: false });
      }) satisfies VirshRunner,
    });
    expect(await spy.query({ ...remote, power_id: '--help' }, ctx())).toBe('off');
    expect(seen).toEqual([['--quiet', '--connect', remote.power_address, 'domstate', '--domain', '--help']]);
  });
});
