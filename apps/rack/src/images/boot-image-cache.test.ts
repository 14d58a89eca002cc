import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootImageCache } from './boot-image-cache.js';

const fixture = fileURLToPath(new URL('../../test/fixtures/images', import.meta.url));
const kernelSet = ['boot-initrd', 'boot-kernel', 'squashfs'];

describe(BootImageCache, () => {
  describe('on the fixture cache', () => {
    it('finds every image set, sorted, with its files sorted, and skips the junk', async () => {
      expect(await new BootImageCache(fixture).scan()).toEqual([
        img('centos', 'amd64', 'generic', 'centos9-stream', 'stable', ['root-tgz']),
        img('custom', 'amd64', 'generic', 'my-image', 'uploaded', ['root-tgz']),
        img('ubuntu', 'amd64', 'ga-22.04', 'jammy', 'stable', kernelSet),
        img('ubuntu', 'amd64', 'ga-24.04', 'noble', 'stable', kernelSet),
        img('ubuntu', 'arm64', 'ga-24.04', 'noble', 'stable', kernelSet),
        img('windows', 'amd64', 'generic', 'win2022', 'stable', ['root-dd']),
      ]);
    });
  });

  describe('on a temp dir', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ferrum-images-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const put = async (path: string, content = 'x'): Promise<void> => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    };

    it('answers no images when the cache dir does not exist', async () => {
      expect(await new BootImageCache(join(dir, 'never-imported')).scan()).toEqual([]);
    });

    it('answers no images when the cache path is a file', async () => {
      await put('a-file');
      expect(await new BootImageCache(join(dir, 'a-file')).scan()).toEqual([]);
    });

    it('does not count a label dir without files, or with only a subdirectory', async () => {
      await mkdir(join(dir, 'ubuntu/amd64/ga-24.04/noble/stable'), { recursive: true });
      await mkdir(join(dir, 'ubuntu/amd64/ga-24.04/noble/daily/nested'), { recursive: true });
      await put('ubuntu/amd64/ga-24.04/noble/candidate/squashfs');
      expect(await new BootImageCache(dir).scan()).toEqual([
        img('ubuntu', 'amd64', 'ga-24.04', 'noble', 'candidate', ['squashfs']),
      ]);
    });

    it('skips unsafe names at every level, files included', async () => {
      await put('ubuntu/amd64/ga-24.04/noble/stable/squashfs');
      await put('ubuntu/amd64/ga-24.04/noble/stable/.squashfs.part');
      await put('ubuntu/amd64/ga-24.04/noble/stable/bad file');
      await put('Ubuntu OS/amd64/generic/x/stable/root-tgz');
      await put('ubuntu/amd 64/generic/x/stable/root-tgz');
      await put('ubuntu/amd64/-generic/x/stable/root-tgz');
      await put('ubuntu/amd64/generic/x;rm/stable/root-tgz');
      await put('ubuntu/amd64/generic/x/.hidden/root-tgz');
      await put(`ubuntu/amd64/generic/${'r'.repeat(200)}é/stable/root-tgz`);
      expect(await new BootImageCache(dir).scan()).toEqual([
        img('ubuntu', 'amd64', 'ga-24.04', 'noble', 'stable', ['squashfs']),
      ]);
    });

    it('ignores stray files above the label level', async () => {
      await put('maas.meta');
      await put('ubuntu/stray');
      await put('ubuntu/amd64/stray');
      await put('ubuntu/amd64/ga-24.04/stray');
      await put('ubuntu/amd64/ga-24.04/noble/stray');
      expect(await new BootImageCache(dir).scan()).toEqual([]);
    });

    it('follows symlinks that stay inside the cache dir', async () => {
      await put('store/kernel-1');
      await put('ubuntu/amd64/ga-24.04/noble/stable/squashfs');
      await symlink(join(dir, 'store/kernel-1'), join(dir, 'ubuntu/amd64/ga-24.04/noble/stable/boot-kernel'));
      // A relative link to a whole label directory, as a snapshot links into the cache.
      await symlink('stable', join(dir, 'ubuntu/amd64/ga-24.04/noble/candidate'));
      expect(await new BootImageCache(dir).scan()).toEqual([
        img('ubuntu', 'amd64', 'ga-24.04', 'noble', 'candidate', ['boot-kernel', 'squashfs']),
        img('ubuntu', 'amd64', 'ga-24.04', 'noble', 'stable', ['boot-kernel', 'squashfs']),
      ]);
    });

    it('skips symlinks escaping the cache dir, dangling ones and loops', async () => {
      const cache = join(dir, 'cache');
      const outside = join(dir, 'outside');
      await put('outside/secret');
      await put('outside/ubuntu/amd64/generic/noble/stable/squashfs');
      await put('cache/ubuntu/amd64/generic/noble/stable/root-tgz');
      const label = join(cache, 'ubuntu/amd64/generic/noble/stable');
      await symlink(join(outside, 'secret'), join(label, 'escaping-file'));
      await symlink('../../../../../../outside/secret', join(label, 'escaping-relative'));
      await symlink(join(cache, 'nowhere'), join(label, 'dangling'));
      await symlink(join(label, 'loop'), join(label, 'loop'));
      await symlink(join(outside, 'ubuntu'), join(cache, 'escaped-os'));
      await symlink(cache, join(cache, 'ubuntu/amd64/generic/noble/root-again'));
      expect(await new BootImageCache(cache).scan()).toEqual([
        img('ubuntu', 'amd64', 'generic', 'noble', 'stable', ['root-tgz']),
      ]);
    });

    it('reads through a cache dir that is itself a symlink (MAAS’s `current`)', async () => {
      await put('snapshot-1/custom/amd64/generic/mine/uploaded/root-tgz');
      await symlink(join(dir, 'snapshot-1'), join(dir, 'current'));
      expect(await new BootImageCache(join(dir, 'current')).scan()).toEqual([
        img('custom', 'amd64', 'generic', 'mine', 'uploaded', ['root-tgz']),
      ]);
    });

    it('reuses a recent scan, rescans after maxAgeMs, and on invalidate()', async () => {
      let now = 1_000;
      const cache = new BootImageCache(dir, { maxAgeMs: 5_000, now: () => now });
      expect(await cache.scan()).toEqual([]);
      await put('custom/amd64/generic/a/uploaded/root-tgz');
      now += 4_999;
      expect(await cache.scan()).toEqual([]);
      now += 1;
      expect(await cache.scan()).toHaveLength(1);
      await put('custom/amd64/generic/b/uploaded/root-tgz');
      expect(await cache.scan()).toHaveLength(1);
      cache.invalidate();
      expect((await cache.scan()).map((i) => i.release)).toEqual(['a', 'b']);
    });

    it('hands out copies: a caller changing its answer does not change the next', async () => {
      await put('custom/amd64/generic/a/uploaded/root-tgz');
      const cache = new BootImageCache(dir);
      const first = await cache.scan();
      first[0]?.files.push('changed');
      first.pop();
      expect(await cache.scan()).toEqual([img('custom', 'amd64', 'generic', 'a', 'uploaded', ['root-tgz'])]);
    });
  });
});

function img(
  osystem: string,
  architecture: string,
  subarchitecture: string,
  release: string,
  label: string,
  files: string[],
) {
  return { osystem, architecture, subarchitecture, release, label, files };
}
