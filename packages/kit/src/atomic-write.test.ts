import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite } from './atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'ferrum-atomic-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freshDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

describe('atomicWrite', () => {
  it('creates a file with the content and leaves no temporary file behind', async () => {
    const where = freshDir('create');
    await atomicWrite(join(where, 'dhcpd.conf'), 'subnet 10.0.0.0/24 {}\n');
    expect(readFileSync(join(where, 'dhcpd.conf'), 'utf8')).toBe('subnet 10.0.0.0/24 {}\n');
    expect(readdirSync(where)).toEqual(['dhcpd.conf']);
  });

  it('replaces an existing file and writes bytes as given', async () => {
    const where = freshDir('replace');
    const path = join(where, 'zone.db');
    writeFileSync(path, 'old content that is longer than the new one');
    await atomicWrite(path, Uint8Array.from([0, 1, 2, 255]));
    expect([...readFileSync(path)]).toEqual([0, 1, 2, 255]);
    expect(readdirSync(where)).toEqual(['zone.db']);
  });

  it('gives the file exactly the mode asked for, whatever the umask', async () => {
    const where = freshDir('mode');
    await atomicWrite(join(where, 'secret'), 'key', 0o600);
    expect(statSync(join(where, 'secret')).mode & 0o777).toBe(0o600);
    await atomicWrite(join(where, 'shared'), 'x', 0o664);
    expect(statSync(join(where, 'shared')).mode & 0o777).toBe(0o664);
  });

  it('leaves the target and the directory untouched when the rename fails', async () => {
    const where = freshDir('fail');
    const target = join(where, 'is-a-directory');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep');
    await expect(atomicWrite(target, 'new')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/) as string,
    });
    expect(readdirSync(where)).toEqual(['is-a-directory']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('rejects when the directory does not exist', async () => {
    await expect(atomicWrite(join(dir, 'missing-dir', 'file'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('lets concurrent writers each leave a whole file, never a mix', async () => {
    const where = freshDir('race');
    const path = join(where, 'config');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(contents.map((content) => atomicWrite(path, content)));
    expect(contents).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(where)).toEqual(['config']);
  });
});
