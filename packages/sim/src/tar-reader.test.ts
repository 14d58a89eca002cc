import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar } from './tar-reader.js';

describe(readTar, () => {
  it('reads the files of an archive GNU tar made, long names included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrum-tar-'));
    try {
      const long = `${'d'.repeat(60)}/${'f'.repeat(70)}.sh`;
      mkdirSync(join(dir, 'in', 'commissioning'), { recursive: true });
      mkdirSync(join(dir, 'in', 'd'.repeat(60)), { recursive: true });
      writeFileSync(join(dir, 'in', 'index.json'), '{"1.0":{}}');
      writeFileSync(join(dir, 'in', 'commissioning', 'x.sh'), 'x'.repeat(1500));
      writeFileSync(join(dir, 'in', long), 'long');
      const made = spawnSync('tar', ['-cf', join(dir, 'a.tar'), '-C', join(dir, 'in'), '.'], {
        encoding: 'utf8',
      });
      expect(made.status, made.stderr).toBe(0);
      const files = readTar(readFileSync(join(dir, 'a.tar')));
      const byName = new Map(files.map((f) => [f.name, f.data.toString('utf8')]));
      expect(byName.get('index.json')).toBe('{"1.0":{}}');
      expect(byName.get('commissioning/x.sh')).toBe('x'.repeat(1500));
      expect(byName.get(long)).toBe('long');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not tar', () => {
    const junk = Buffer.alloc(1024, 0x41);
    expect(() => readTar(junk)).toThrow(/Not a tar archive/);
  });
});
