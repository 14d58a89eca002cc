import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from './run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'ferrum-run-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// `node -e` as the child: the same everywhere the tests run, and it prints its argv as JSON.
const printArgs = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';

describe('runCommand', () => {
  it('passes arguments literally, without a shell', async () => {
    const marker = join(dir, 'pwned');
    const args = ['two words', 'a;b', `$(touch ${marker})`, '`id`', '*', '"quoted"', "it's", '&&', '|'];
    const result = await runCommand(process.execPath, ['-e', printArgs, '--', ...args], {
      timeoutMs: 10_000,
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  it('captures stdout and stderr of a successful run', async () => {
    const result = await runCommand(process.execPath, ['-e', 'console.log("out"); console.error("err")'], {
      timeoutMs: 10_000,
    });
    expect(result).toEqual({ exitCode: 0, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('resolves with the exit code of a failing program instead of throwing', async () => {
    const result = await runCommand(
      process.execPath,
      ['-e', 'console.error("bad password"); process.exit(3)'],
      { timeoutMs: 10_000 },
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('bad password\n');
    expect(result.timedOut).toBe(false);
  });

  it('kills a program that runs past its timeout and says so', async () => {
    const started = Date.now();
    const result = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
      timeoutMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects when the program does not exist', async () => {
    await expect(runCommand(join(dir, 'no-such-program'), [], { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(
      runCommand(join(dir, 'no-such-program'), [], { timeoutMs: 1000, input: 'secret' }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('feeds input on stdin', async () => {
    const result = await runCommand(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
      timeoutMs: 10_000,
      input: 'password\n',
    });
    expect(result.stdout).toBe('password\n');
  });

  it('closes stdin when there is no input, so a program reading it does not hang', async () => {
    const result = await runCommand(
      process.execPath,
      ['-e', 'process.stdin.resume(); process.stdin.on("end", () => console.log("eof"))'],
      { timeoutMs: 5_000 },
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: 'eof\n', timedOut: false });
  });

  it('runs with exactly the environment given', async () => {
    const result = await runCommand(
      process.execPath,
      ['-e', 'process.stdout.write(String(process.env.IPMI_PASSWORD) + " " + String(process.env.HOME))'],
      {
        timeoutMs: 10_000,
        env: { IPMI_PASSWORD: 'from-env' },
      },
    );
    expect(result.stdout).toBe('from-env undefined');
  });

  it('runs in the given working directory', async () => {
    const result = await runCommand(process.execPath, ['-e', 'process.stdout.write(process.cwd())'], {
      timeoutMs: 10_000,
      cwd: dir,
    });
    expect(result.stdout).toBe(dir);
  });

  it('rejects when aborted through its signal', async () => {
    const controller = new AbortController();
    const run = runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
