// A real libvirt daemon for tests: a private libvirtd serving libvirt's test driver (domains
// that switch state in memory, nothing is run), with SASL logins on its own UNIX socket.
//
// - Private: run as an unprivileged user (nobody, when the tests run as root), libvirtd is a
//   session daemon whose sockets, config and state all live in one temporary directory (its
//   XDG_* dirs). LIBVIRT_DRIVER_DIR points at an empty directory, so no hypervisor, network,
//   storage or firewall driver is loaded at all — only the built-in test driver. Nothing of
//   the system's libvirt (config, sockets, networks) is read or touched.
// - Persistent: the test driver keeps `test:///default` while at least one client holds it
//   open, and starts afresh when the last one closes. A holder (`virsh event --loop`) keeps a
//   connection open for the daemon's lifetime — and logs every lifecycle event it sees.
// - Authenticated: SASL SCRAM-SHA-256 against a private sasldb (SASL_CONF_PATH), so a wrong
//   password is refused as it would be by a production libvirtd with auth_tcp = "sasl".
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LibvirtDaemon {
  /** The connection URI for a client with the daemon's user: test+unix://user@/default?socket=… */
  readonly uri: string;
  readonly user: string;
  readonly password: string;
  /** The daemon's UNIX socket, and the user it runs as (who may connect to it). */
  readonly socket: string;
  readonly uid: number;
  readonly gid: number;
  /** Runs virsh as the peer (with the right credentials); answers stdout, throws on failure. */
  virsh(args: readonly string[]): Promise<string>;
  /** Defines a persistent domain from its XML (`<domain type='test'>`). */
  define(xml: string): Promise<void>;
  /** Whether the domain runs, by the daemon's list of running domains. */
  isRunning(name: string): Promise<boolean>;
  /** The lifecycle events seen for a domain, oldest first, e.g. `Started Booted`, `Stopped Destroyed`. */
  events(name: string): readonly string[];
  /**
   * The domain's events after the first `from`, once there are `count` of them (they reach the
   * holder a moment after the call that caused them), or what came within 5 s.
   */
  eventsSince(name: string, from: number, count: number): Promise<readonly string[]>;
  /** The domain's events after the first `from`, up to the first `event` among them (within 5 s). */
  eventsUntil(name: string, from: number, event: string): Promise<readonly string[]>;
  close(): Promise<void>;
}

const sbinPath = `${process.env['PATH'] ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;

function which(tool: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env: { PATH: sbinPath }, encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function scramPluginInstalled(): boolean {
  const dirs = ['/usr/lib/sasl2', ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'sasl2'))];
  return dirs.some((d) => existsSync(join(d, 'libscram.so.2')) || existsSync(join(d, 'libscram.so')));
}

/** Why the daemon cannot start here (naming the Debian packages to install), or undefined. */
export function libvirtDaemonMissing(): string | undefined {
  const missing: string[] = [];
  if (!which('libvirtd')) missing.push('libvirt-daemon');
  if (!which('virsh')) missing.push('libvirt-clients');
  if (!which('saslpasswd2')) missing.push('sasl2-bin');
  if (!scramPluginInstalled()) missing.push('libsasl2-modules');
  return missing.length === 0
    ? undefined
    : `a private libvirtd needs the Debian packages ${missing.join(', ')} (apt-get install ${missing.join(' ')})`;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}

function run(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a private libvirtd with one SASL user; call close() to stop it and remove its files. */
export async function startLibvirtDaemon(
  login: { user: string; password: string },
  /** More SASL users the daemon accepts (the peer itself logs in as `login`). */
  others: readonly { user: string; password: string }[] = [],
): Promise<LibvirtDaemon> {
  const missing = libvirtDaemonMissing();
  if (missing) throw new Error(missing);
  const libvirtd = which('libvirtd') ?? 'libvirtd';
  const dir = await mkdtemp(join(tmpdir(), 'ferrum-libvirtd-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const close = async () => {
    process.removeListener('exit', killAll);
    for (const child of [...children].reverse()) await stopped(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const sub of ['run', 'config', 'cache', 'data', 'no-drivers', 'sasl', 'client'])
      await mkdir(join(dir, sub));
    const conf = join(dir, 'libvirtd.conf');
    await writeFile(conf, 'auth_unix_rw = "sasl"\nauth_unix_ro = "sasl"\n');
    const sasldb = join(dir, 'sasl', 'passwd.db');
    await writeFile(join(dir, 'sasl', 'libvirt.conf'), `mech_list: scram-sha-256\nsasldb_path: ${sasldb}\n`);
    for (const { user, password } of [login, ...others]) {
      const added = spawnSync(
        which('saslpasswd2') ?? 'saslpasswd2',
        ['-p', '-c', '-f', sasldb, '-a', 'libvirt', user],
        {
          input: password,
          encoding: 'utf8',
        },
      );
      if (added.status !== 0) throw new Error(`saslpasswd2 failed: ${added.stderr}`);
    }
    // A root daemon would be the system one (system paths, all drivers): run as nobody instead.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chownTree(dir, 65534, 65534);

    const daemon = spawn(libvirtd, ['-f', conf], {
      cwd: dir,
      env: {
        PATH: sbinPath,
        HOME: dir,
        XDG_RUNTIME_DIR: join(dir, 'run'),
        XDG_CONFIG_HOME: join(dir, 'config'),
        XDG_CACHE_HOME: join(dir, 'cache'),
        XDG_DATA_HOME: join(dir, 'data'),
        LIBVIRT_DRIVER_DIR: join(dir, 'no-drivers'),
        SASL_CONF_PATH: join(dir, 'sasl'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    children.push(daemon);
    let daemonLog = '';
    daemon.stderr.on('data', (d: Buffer) => (daemonLog = (daemonLog + d.toString()).slice(-4000)));

    const socket = join(dir, 'run', 'libvirt', 'libvirt-sock');
    const uri = `test+unix://${login.user}@/default?socket=${socket}`;
    const authFile = join(dir, 'client', 'auth.conf');
    await writeFile(
      authFile,
      `[credentials-peer]\nauthname=${login.user}\npassword=${login.password}\n\n[auth-libvirt-default]\ncredentials=peer\n`,
      { mode: 0o600 },
    );
    const env = { PATH: sbinPath, LC_ALL: 'C', HOME: join(dir, 'client'), LIBVIRT_AUTH_FILE: authFile };
    const virsh = async (args: readonly string[]) => {
      const r = await run('virsh', ['--quiet', '--connect', uri, ...args], env);
      if (r.code !== 0) throw new Error(`virsh ${args.join(' ')} failed: ${r.stderr.trim()}`);
      return r.stdout;
    };

    const deadline = Date.now() + 15_000;
    for (;;) {
      if (daemon.exitCode !== null)
        throw new Error(`libvirtd exited (${String(daemon.exitCode)}): ${daemonLog}`);
      const probe = await run('virsh', ['--quiet', '--connect', uri, 'uri'], env);
      if (probe.code === 0) break;
      if (Date.now() > deadline) throw new Error(`libvirtd did not answer: ${probe.stderr} ${daemonLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const holder = spawn('virsh', ['--connect', uri, 'event', '--all', '--loop'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(holder);
    const seen: { domain: string; event: string }[] = [];
    let partial = '';
    holder.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /event 'lifecycle' for domain '([^']*)': (.*)$/.exec(line);
        if (m) seen.push({ domain: m[1] ?? '', event: (m[2] ?? '').trim() });
      }
    });

    const events = (name: string) => seen.filter((e) => e.domain === name).map((e) => e.event);
    const define = async (xml: string) => {
      const file = join(dir, 'client', `domain-${String(Date.now())}-${String(Math.random()).slice(2)}.xml`);
      await writeFile(file, xml);
      await virsh(['define', '--file', file]);
      await rm(file);
    };
    // The holder is connected once a domain defined in one connection is there in the next.
    const probeXml =
      "<domain type='test'><name>ferrum-holder-probe</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    for (;;) {
      if (holder.exitCode !== null) throw new Error('virsh event (the connection holder) exited');
      await define(probeXml);
      const list = await virsh(['list', '--all', '--name']);
      if (list.split('\n').includes('ferrum-holder-probe')) break;
      if (Date.now() > deadline) throw new Error('the test driver does not keep state across connections');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await virsh(['undefine', '--domain', 'ferrum-holder-probe']);
    // The built-in sample domain `test` runs; nothing here needs it.
    await virsh(['destroy', '--domain', 'test']);

    return {
      uri,
      user: login.user,
      password: login.password,
      socket,
      uid: asRoot ? 65534 : (process.getuid?.() ?? 0),
      gid: asRoot ? 65534 : (process.getgid?.() ?? 0),
      virsh,
      define,
      isRunning: async (name) =>
        (await virsh(['list', '--state-running', '--name'])).split('\n').includes(name),
      events,
      eventsSince: async (name, from, count) => {
        const until = Date.now() + 5000;
        while (events(name).length < from + count && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 20));
        return events(name).slice(from);
      },
      eventsUntil: async (name, from, event) => {
        const until = Date.now() + 5000;
        while (!events(name).slice(from).includes(event) && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 20));
        const after = events(name).slice(from);
        return after.includes(event) ? after.slice(0, after.indexOf(event) + 1) : after;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
