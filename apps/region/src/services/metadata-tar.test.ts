import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarArchive } from './metadata-tar.js';

describe(tarArchive, () => {
  it('writes an archive that tar unpacks with the same files and modes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-'));
    try {
      const archive = tarArchive(
        [
          { path: 'index.json', data: Buffer.from('{"1.0": {}}'), mode: 0o644 },
          { path: 'commissioning/10-x', data: Buffer.from('#!/bin/sh\necho hi\n'.repeat(40)) },
        ],
        1_700_000_000,
      );
      expect(archive.length % 512).toBe(0);
      writeFileSync(join(dir, 'a.tar'), archive);
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe('{"1.0": {}}');
      expect(readFileSync(join(dir, 'commissioning/10-x'), 'utf8')).toBe('#!/bin/sh\necho hi\n'.repeat(40));
      const listing = execFileSync('tar', ['-tvf', 'a.tar'], { cwd: dir, encoding: 'utf8' });
      expect(listing).toMatch(/-rwxr-xr-x .*commissioning\/10-x/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
