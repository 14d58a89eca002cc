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
  const child = spawn(process.execPath, [ferrumBin, 'start'], {
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`ferrum start not ready after ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const check = (): void => {
      const match = /region is ready at (\S+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ferrum start exited with ${String(code)}:\n${text}`));
    });
  });
  return { child, url, output: () => text, exited };
}

/** PIDs of postgres processes serving a data directory. */
export function postgresPids(dataDir: string): number[] {
  const result = spawnSync('pgrep', ['-f', `postgres -D ${dataDir}/postgres`], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number);
}
