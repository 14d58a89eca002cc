// How power_pass reaches virsh without entering argv, the environment of a process other
// users can read, or a log: as files in a private directory made for the one call (mkdtemp:
// mode 0700, the files 0600, removed when the call ends).
// - OpenSSH (qemu+ssh://): libvirt runs `ssh` passing on only a few variables — SSH_ASKPASS
//   and DISPLAY among them, not SSH_ASKPASS_REQUIRE nor any of ours — so SSH_ASKPASS names a
//   script that prints the password file, and DISPLAY is set because ssh asks a program only
//   then (and only without a terminal: the driver starts virsh in a new session).
// - libvirt's own authentication (SASL over tcp/unix, the libssh transports): an auth.conf
//   file named by LIBVIRT_AUTH_FILE, which libvirt reads before it would prompt.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VirshAddress } from './virsh-address.js';

/** A value as GLib's key files read it (libvirt parses auth.conf with GKeyFile). */
export function keyFileValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/^ /, '\\s');
}

/** libvirt's auth.conf answering with `password` (and `user`) wherever libvirt would ask. */
export function libvirtAuthConfig(user: string | undefined, password: string): string {
  return [
    '[credentials-ferrum]',
    ...(user !== undefined ? [`authname=${keyFileValue(user)}`] : []),
    `password=${keyFileValue(password)}`,
    '',
    // Any host: the file is made for one call to one address.
    '[auth-libvirt-default]',
    'credentials=ferrum',
    '',
    '[auth-ssh-default]',
    'credentials=ferrum',
    '',
  ].join('\n');
}

/**
 * The SSH_ASKPASS program: the password for a password (or key passphrase) prompt, and yes
 * when ssh asks whether to trust a host it has not seen before, as MAAS answers (a known
 * host whose key changed is refused by ssh itself, whatever the answer).
 */
export function askpassScript(passwordFile: string): string {
  const quoted = `'${passwordFile.replace(/'/g, "'\\''")}'`;
  return `#!/bin/sh
case "$1" in
*'continue connecting'*) echo yes ;;
*) exec cat ${quoted} ;;
esac
`;
}

/** Writes what the call needs into `dir` (private, the call's own); answers the variables to set. */
export async function writeVirshCredentials(
  dir: string,
  address: VirshAddress,
  password: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (address.transport === 'ssh') {
    const passwordFile = join(dir, 'ssh-password');
    // No file without a password: cat fails, and ssh goes on to fail the login.
    if (password !== '') await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
    const askpass = join(dir, 'askpass');
    await writeFile(askpass, askpassScript(passwordFile), { mode: 0o700, flag: 'wx' });
    env['SSH_ASKPASS'] = askpass;
    env['DISPLAY'] = ':0';
  }
  if (password !== '') {
    const authFile = join(dir, 'auth.conf');
    await writeFile(authFile, libvirtAuthConfig(address.user, password), { mode: 0o600, flag: 'wx' });
    env['LIBVIRT_AUTH_FILE'] = authFile;
  }
  return env;
}
