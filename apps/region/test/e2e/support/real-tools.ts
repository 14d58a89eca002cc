import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is apps/region/test/e2e/support/real-tools.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const clientsDir = join(repoRoot, 'tools', 'clients');

interface PackageGroups {
  readonly gomaasapi: readonly string[];
  readonly maascli: readonly string[];
}

// One list, shared with scripts/bootstrap.mjs, which installs every group.
const packageGroups = JSON.parse(
  readFileSync(join(clientsDir, 'debian-packages.json'), 'utf8'),
) as PackageGroups;

/** The Debian packages the gomaasapi harness is built from (tools/clients/gomaasapi/build.sh). */
export const gomaasapiPackages = packageGroups.gomaasapi;

/** The Debian packages the maas CLI replay imports (run with /usr/bin/python3, not a pyenv/venv one). */
export const maascliPackages = packageGroups.maascli;

export interface ToolRun {
  /** Exit status; null when the process was killed (e.g. by the timeout). */
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program without a shell and resolves with its exit status and output whatever the
 * status (asynchronously: the region under test runs in this same process and must keep serving).
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string },
): Promise<ToolRun> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          // Not an exit status: the program could not be started at all (ENOENT, EACCES).
          reject(new Error(`cannot run ${file}: ${error.message}`));
          return;
        }
        resolvePromise({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The packages of `names` that dpkg does not report as installed. */
export async function missingDebianPackages(names: readonly string[]): Promise<string[]> {
  let run: ToolRun;
  try {
    run = await runTool('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\\n', ...names], {
      timeoutMs: 20_000,
    });
  } catch {
    throw new Error(
      'dpkg-query is not available: these tests need a Debian/Ubuntu host (or run scripts/bootstrap on one).',
    );
  }
  const installed = new Set(
    run.stdout
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  // dpkg-query reports "golang-go:amd64"-style names for multi-arch packages.
  return names.filter(
    (name) => !installed.has(name) && ![...installed].some((i) => i?.startsWith(`${name}:`)),
  );
}

/**
 * Fails (never skips) with the exact install step when a Debian package a real-client test
 * needs is missing.
 */
export async function requireDebianPackages(what: string, names: readonly string[]): Promise<void> {
  const missing = await missingDebianPackages(names);
  if (missing.length > 0) {
    throw new Error(
      `${what} needs Debian packages that are not installed: ${missing.join(' ')}.\n` +
        `Install them with: apt-get install -y --no-install-recommends ${missing.join(' ')}\n` +
        '(scripts/bootstrap installs them before the test run.)',
    );
  }
}

export async function requireExecutable(path: string, hint: string): Promise<void> {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing or not executable: ${hint}`);
  }
}

/** The single JSON line a harness prints on stdout, or a failure that shows everything it printed. */
export function parseJsonLine(run: ToolRun, what: string): Record<string, unknown> {
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new Error(
    `${what} did not print a JSON object (exit ${String(run.code)}, signal ${String(run.signal)}).\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
  );
}
