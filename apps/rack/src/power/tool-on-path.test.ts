import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolOnPath } from './tool-on-path.js';

describe(toolOnPath, () => {
  let dir: string;
  let bin: string;
  let other: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferrum-path-'));
    bin = join(dir, 'bin');
    other = join(dir, 'other');
    await mkdir(bin);
    await mkdir(other);
    await writeFile(join(other, 'ipmipower'), '#!/bin/sh\n');
    await chmod(join(other, 'ipmipower'), 0o755);
    await writeFile(join(bin, 'not-executable'), 'data');
    await chmod(join(bin, 'not-executable'), 0o644);
    await mkdir(join(bin, 'a-directory'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds an executable in any PATH directory', async () => {
    expect(await toolOnPath('ipmipower', [bin, other].join(delimiter))).toBe(true);
  });

  it.each([
    ['a program in no PATH directory', 'no-such-tool-ferrum'],
    ['a file without the execute bit', 'not-executable'],
    ['a directory', 'a-directory'],
    ['a name with a directory part', '../other/ipmipower'],
    ['an absolute path', '/bin/sh'],
    ['an empty name', ''],
  ])('does not count %s', async (_what, name) => {
    expect(await toolOnPath(name, [bin, other].join(delimiter))).toBe(false);
  });

  it('ignores relative and empty PATH entries (they would mean the working directory)', async () => {
    // A relative entry that does lead to the program, from where the tests run.
    const relativeOther = relative(process.cwd(), other);
    expect(await toolOnPath('ipmipower', relativeOther)).toBe(false);
    expect(await toolOnPath('ipmipower', ['', '.', relativeOther].join(delimiter))).toBe(false);
  });

  it('searches the process PATH by default', async () => {
    // `node` runs this test, so it is on the PATH the test runner was started with.
    expect(await toolOnPath('node')).toBe(true);
    expect(await toolOnPath('no-such-tool-ferrum')).toBe(false);
  });
});
