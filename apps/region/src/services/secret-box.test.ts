import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { loadOrCreateSecretKey, SecretBox } from './secret-box.js';

function catchError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferrum-secret-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe(SecretBox, () => {
  it('round-trips a secret, never storing the plaintext, with a fresh IV each time', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.encrypt('ipmi-password');
    const b = box.encrypt('ipmi-password');
    expect(a).not.toContain('ipmi-password');
    expect(a).not.toBe(b);
    expect(a.startsWith('v1:')).toBe(true);
    expect(box.decrypt(a)).toBe('ipmi-password');
  });

  it('refuses a value sealed with another key or altered, without revealing it', () => {
    const sealed = new SecretBox(randomBytes(32)).encrypt('top-secret');
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed)).toThrow(/another key than secret.key/);
    const box = new SecretBox(randomBytes(32));
    const good = box.encrypt('top-secret');
    const parts = good.split(':');
    const tampered = [parts[0], parts[1], parts[2], Buffer.from('garbage').toString('base64')].join(':');
    expect(() => box.decrypt(tampered)).toThrow(/altered/);
    expect(() => box.decrypt('plain text')).toThrow(/format/);
    // One flipped bit of the same length is caught too, and the error carries no plaintext.
    const data = Buffer.from(parts[3]!, 'base64');
    data[0] = data[0]! ^ 1;
    const error = catchError(() =>
      box.decrypt([parts[0], parts[1], parts[2], data.toString('base64')].join(':')),
    );
    expect(error).toMatchObject({ name: 'AppError', code: 'internal' });
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(
      /top-secret|op-secre/,
    );
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe(loadOrCreateSecretKey, () => {
  it('creates a 32-byte key with mode 0600 once and reads the same key back', async () => {
    const dir = join(tempDir(), 'not-yet');
    const first = await loadOrCreateSecretKey(dir);
    expect(first.length).toBe(32);
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateSecretKey(dir)).equals(first)).toBe(true);
  });

  it('agrees on one key when many start at once', async () => {
    const dir = tempDir();
    const keys = await Promise.all(Array.from({ length: 20 }, () => loadOrCreateSecretKey(dir)));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
  });

  it('refuses a key others may read, or of the wrong size, naming the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'secret.key');
    writeFileSync(path, randomBytes(32), { mode: 0o644 });
    chmodSync(path, 0o644);
    await expect(loadOrCreateSecretKey(dir)).rejects.toThrow(`${path} may be read by other users`);
    chmodSync(path, 0o600);
    writeFileSync(path, randomBytes(16));
    await expect(loadOrCreateSecretKey(dir)).rejects.toThrow(`${path} holds 16 bytes`);
  });

  it('refuses a secret.key that is not a regular file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'secret.key'));
    await expect(loadOrCreateSecretKey(dir)).rejects.toThrow('is not a regular file');
  });
});
