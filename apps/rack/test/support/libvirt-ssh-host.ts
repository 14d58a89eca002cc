// A libvirt host reached over ssh, for tests: Dropbear on 127.0.0.1 (a free port) with one
// password login, in front of a private libvirtd (libvirt-daemon.ts). libvirt's ssh transport
// logs in and runs `nc -U <socket>` there, as it does on a real VM host.
//
// Nothing of the system's is changed: the login exists only inside Dropbear's own mount
// namespace, where copies of /etc/passwd (plus the login) and a one-line /etc/shadow are
// bind-mounted over the real ones. The login has the daemon's uid, so it may open its socket.
// The client side needs the same care: ssh keeps known_hosts under the home directory of the
// passwd database (not $HOME), so `privateHomeRunner` runs virsh in a mount namespace where
// that home is an empty directory of ours.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';

export interface SshHost {
  readonly host: string;
  readonly port: number;
  /** The client's stand-in home: ssh writes the host's key into `.ssh/known_hosts` here. */
  readonly clientHome: string;
  /** Runs a program as runCommand does, with the client's home replaced by `clientHome`. */
  readonly run: (file: string, args: readonly string[], options: RunCommandOptions) => Promise<CommandResult>;
  close(): Promise<void>;
}

const sbinPath = `${process.env['PATH'] ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;

function which(tool: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: sbinPath }, encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Why the ssh host cannot run here (naming the Debian packages to install), or undefined. */
export function sshHostMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private sshd needs root (its login lives in a mount namespace)';
  const packages: Record<string, string> = {
    dropbear: 'dropbear-bin',
    dropbearkey: 'dropbear-bin',
    nc: 'netcat-openbsd',
    ssh: 'openssh-client',
    openssl: 'openssl',
    unshare: 'util-linux',
    setsid: 'util-linux',
  };
  const missing = [
    ...new Set(
      Object.entries(packages)
        .filter(([tool]) => !which(tool))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0 && !/-U\b/.test(spawnSync('nc', ['-h'], { encoding: 'utf8' }).stderr))
    missing.push('netcat-openbsd');
  return missing.length === 0
    ? undefined
    : `a private sshd needs the Debian packages ${missing.join(', ')} (apt-get install ${missing.join(' ')})`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

/** Starts Dropbear with the login `user`/`password` as uid:gid; close() stops it and removes its files. */
export async function startSshHost(login: {
  user: string;
  password: string;
  uid: number;
  gid: number;
}): Promise<SshHost> {
  const missing = sshHostMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), 'ferrum-sshd-'));
  let sshd: ChildProcess | undefined;
  const kill = () => sshd?.kill('SIGKILL');
  process.once('exit', kill);
  const close = async () => {
    process.removeListener('exit', kill);
    const child = sshd;
    if (child && child.exitCode === null && child.signalCode === null)
      await new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const home = join(dir, 'home');
    const clientHome = join(dir, 'client-home');
    await mkdir(home);
    await mkdir(clientHome, { mode: 0o700 });
    spawnSync('chown', [`${String(login.uid)}:${String(login.gid)}`, home]);
    const hash = spawnSync('openssl', ['passwd', '-6', '-stdin'], {
      input: login.password,
      encoding: 'utf8',
    });
    if (hash.status !== 0) throw new Error(`openssl passwd failed: ${hash.stderr}`);
    const passwd = join(dir, 'passwd');
    const shadow = join(dir, 'shadow');
    await writeFile(
      passwd,
      `${await readFile('/etc/passwd', 'utf8')}${login.user}:x:${String(login.uid)}:${String(login.gid)}:Ferrum test:${home}:/bin/sh\n`,
    );
    await writeFile(shadow, `${login.user}:${hash.stdout.trim()}:19000:0:99999:7:::\n`, { mode: 0o600 });
    const hostKey = join(dir, 'host_ed25519');
    const keygen = spawnSync('dropbearkey', ['-t', 'ed25519', '-f', hostKey], { encoding: 'utf8' });
    if (keygen.status !== 0) throw new Error(`dropbearkey failed: ${keygen.stderr}`);

    const port = await freePort();
    // -F -E: foreground, log to stderr; -w: no root login; -j -k: no port forwarding.
    const script =
      'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && ' +
      `exec dropbear -F -E -w -j -k -p 127.0.0.1:${String(port)} -r "$3"`;
    const child = spawn(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', passwd, shadow, hostKey],
      { env: { PATH: sbinPath }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    sshd = child;
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`dropbear exited: ${log}`);
      if (Date.now() > deadline) throw new Error(`dropbear did not listen: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const realHome = userInfo().homedir;
    return {
      host: '127.0.0.1',
      port,
      clientHome,
      run: (file, args, options) =>
        runCommand(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            '--',
            'sh',
            '-c',
            'mount --bind "$1" "$2" && shift 2 && exec "$@"',
            'sh',
            clientHome,
            realHome,
            file,
            ...args,
          ],
          options,
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
