import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseVirshAddress } from './virsh-address.js';
import { keyFileValue, libvirtAuthConfig, writeVirshCredentials } from './virsh-credentials.js';

const exec = promisify(execFile);

describe(keyFileValue, () => {
  it.each([
    ['plain', 'plain'],
    ['a\\b', 'a\\\\b'],
    [' lead', '\\slead'],
    ['trail ', 'trail '],
    ['tab\there', 'tab\\there'],
    ['#;="\'', '#;="\''],
  ])('writes %j as GLib reads it', (value, written) => {
    expect(keyFileValue(value)).toBe(written);
  });
});

describe(libvirtAuthConfig, () => {
  it('answers for libvirt (SASL) and ssh (libssh) logins on any host', () => {
    expect(libvirtAuthConfig('maas', 'pw')).toBe(
      '[credentials-ferrum]\nauthname=maas\npassword=pw\n\n[auth-libvirt-default]\ncredentials=ferrum\n\n[auth-ssh-default]\ncredentials=ferrum\n',
    );
    expect(libvirtAuthConfig(undefined, 'pw')).not.toContain('authname');
  });
});

describe(writeVirshCredentials, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferrum-virsh-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives ssh a private askpass program that answers the password and trusts a new host', async () => {
    const env = await writeVirshCredentials(
      dir,
      parseVirshAddress('qemu+ssh://bob@h/system'),
      `pa'ss "w$(x)`,
    );
    const askpass = env['SSH_ASKPASS'] ?? '';
    expect((await stat(askpass)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'ssh-password'))).mode & 0o777).toBe(0o600);
    expect((await exec(askpass, ["bob@h's password: "])).stdout).toBe(`pa'ss "w$(x)\n`);
    expect(
      (await exec(askpass, ['Are you sure you want to continue connecting (yes/no/[fingerprint])? '])).stdout,
    ).toBe('yes\n');
    expect(env['DISPLAY']).toBeTruthy();
    expect(JSON.stringify(env)).not.toContain("pa'ss");
    expect((await stat(env['LIBVIRT_AUTH_FILE'] ?? '')).mode & 0o777).toBe(0o600);
  });

  it('has the askpass program fail when there is no password', async () => {
    const env = await writeVirshCredentials(dir, parseVirshAddress('qemu+ssh://bob@h/system'), '');
    await expect(exec(env['SSH_ASKPASS'] ?? '', ['password: '])).rejects.toMatchObject({ code: 1 });
    expect(env['LIBVIRT_AUTH_FILE']).toBeUndefined();
  });

  it('writes nothing for a local URI without a password', async () => {
    expect(await writeVirshCredentials(dir, parseVirshAddress('qemu:///system'), '')).toEqual({});
  });
});
