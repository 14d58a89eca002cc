import { execFile } from 'node:child_process';

export interface RunCommandOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Standard input for the command (secrets go here or in env, never in argv). */
  readonly input?: string;
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs a program without a shell, with an argument array and a timeout. It never throws for
 * a non-zero exit: the caller classifies the result. It rejects only when the program cannot
 * be started (for example ENOENT).
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        ...(options.env ? { env: options.env } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.uid !== undefined ? { uid: options.uid } : {}),
        ...(options.gid !== undefined ? { gid: options.gid } : {}),
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- ExecFileException is an Error
          reject(error);
          return;
        }
        const timedOut = error?.killed === true && error.signal === 'SIGKILL';
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, stdout, stderr, timedOut });
      },
    );
    // A program that cannot start, or exits before reading, breaks the pipe: that must not
    // become an unhandled 'error' event. Without input, stdin is closed at once so that a
    // program waiting for it (a password prompt, `cat`) sees EOF instead of hanging until
    // the timeout.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}
