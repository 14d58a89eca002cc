import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ferrumBin = fileURLToPath(new URL('../../bin/ferrum.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ferrum …` to completion, as a user would from a shell. */
export function ferrum(args: string[], env: NodeJS.ProcessEnv): CliResult {
  const result = spawnSync(process.execPath, [ferrumBin, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Creates the administrator `ops` with `ferrum createadmin` and answers an API key of theirs. */
export function opsApiKey(env: NodeJS.ProcessEnv): string {
  const created = ferrum(
    ['createadmin', '--username', 'ops', '--email', 'ops@example.com', '--password', 'x'],
    env,
  );
  if (created.code !== 0) throw new Error(`ferrum createadmin failed: ${created.stderr}`);
  return ferrum(['apikey', '--username', 'ops'], env).stdout.trim();
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

export interface RunningServer {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/** Starts `ferrum start` and waits for its "ready" line. */
export async function startServer(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunningServer> {
  const started = await startFerrum(['start'], env, /region is ready at (\S+)/, timeoutMs);
  return { ...started, url: started.match };
}

/** Starts a long-running `ferrum …` and waits for a line matching `ready` (its first group). */
export async function startFerrum(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<Omit<RunningServer, 'url'> & { readonly match: string }> {
  const child = spawn(process.execPath, [ferrumBin, ...args], {
    env: { ...process.env, FERRUM_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      if (signal) text += `\n[killed by ${signal}]`;
      resolve(code);
    });
  });
  const match = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`ferrum ${args.join(' ')} not ready after ${String(timeoutMs)} ms:\n${text}`));
    }, timeoutMs);
    const check = (): void => {
      const found = ready.exec(text);
      if (found) {
        clearTimeout(timer);
        resolve(found[1] ?? found[0]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ferrum ${args.join(' ')} exited with ${String(code)}:\n${text}`));
    });
  });
  return { child, match, output: () => text, exited };
}

/** PIDs of postgres processes serving a data directory. */
export function postgresPids(dataDir: string): number[] {
  const result = spawnSync('pgrep', ['-f', `postgres -D ${dataDir}/postgres`], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number);
}
