import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { compareBootImages, compareText, type BootImage, type BootImageSource } from './boot-image.js';

/**
 * A name the cache may hold at any level: it becomes part of a path and of an RPC answer, so
 * no spaces, no leading dot (partial downloads, `..`), nothing a shell or URL would mangle.
 */
const SAFE_NAME = /^[a-z0-9][a-z0-9._+-]*$/i;
/** NAME_MAX on Linux filesystems, and the schema's limit for every name in `images.list`. */
const MAX_NAME_LENGTH = 255;
/** How long a scan is reused: `os.list` and `arch.list` are fanned out to every rack, often. */
const DEFAULT_MAX_AGE_MS = 5_000;

/** Options of a {@link BootImageCache}; the clock is passed in for tests. */
export interface BootImageCacheOptions {
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly name: string;
  /** The entry's path with symlinks resolved, inside the cache directory. */
  readonly path: string;
  readonly kind: 'directory' | 'file';
}

/**
 * The rack's boot-image cache, laid out as MAAS's boot resources are:
 * `<dir>/<osystem>/<architecture>/<subarchitecture>/<release>/<label>/<files>`. A label
 * directory holding at least one regular file is an image; anything else is skipped.
 */
export class BootImageCache implements BootImageSource {
  readonly #dir: string;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #cached: { readonly at: number; readonly images: Promise<BootImage[]> } | undefined;

  constructor(dir: string, options: BootImageCacheOptions = {}) {
    this.#dir = dir;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The images in the cache, sorted; reuses a scan younger than `maxAgeMs` (and one in flight). */
  async scan(): Promise<BootImage[]> {
    const now = this.#now();
    let cached = this.#cached;
    if (!cached || now - cached.at >= this.#maxAgeMs) {
      const entry = { at: now, images: this.#scanNow() };
      this.#cached = cached = entry;
      // A failed scan is not reused: the next caller tries again.
      void entry.images.catch(() => {
        if (this.#cached === entry) this.#cached = undefined;
      });
    }
    const images = await cached.images;
    // Copies, so that a caller sorting or trimming its answer cannot change the cached one.
    return images.map((image) => ({ ...image, files: [...image.files] }));
  }

  /** Forgets the cached scan: the next `scan()` reads the directory again (after an import, say). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #scanNow(): Promise<BootImage[]> {
    let root: string;
    try {
      root = await realpath(this.#dir);
      if (!(await stat(root)).isDirectory()) return [];
    } catch (error) {
      // No cache directory yet (nothing imported) is no images, as MAAS's list_boot_images says.
      if (hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR')) return [];
      throw error;
    }
    const images: BootImage[] = [];
    await walk(root, root, [], images);
    return images.sort(compareBootImages);
  }
}

/** Descends the five directory levels; at the label level, collects the files. */
async function walk(root: string, dir: string, names: readonly string[], out: BootImage[]): Promise<void> {
  const entries = await listEntries(root, dir);
  const [osystem, architecture, subarchitecture, release, label] = names;
  if (
    osystem !== undefined &&
    architecture !== undefined &&
    subarchitecture !== undefined &&
    release !== undefined &&
    label !== undefined
  ) {
    const files = entries.filter((e) => e.kind === 'file').map((e) => e.name);
    if (files.length > 0)
      out.push({ osystem, architecture, subarchitecture, release, label, files: files.sort(compareText) });
    return;
  }
  // Files above the label level (maas.meta, bootloaders, notes) are not images.
  await Promise.all(
    entries.filter((e) => e.kind === 'directory').map((e) => walk(root, e.path, [...names, e.name], out)),
  );
}

/** The safe-named directories and regular files in `dir`, symlinks followed only inside `root`. */
async function listEntries(root: string, dir: string): Promise<Entry[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    // Unreadable, or removed while we looked (an import swapping snapshots): no images there.
    return [];
  }
  const entries = await Promise.all(dirents.map((d) => toEntry(root, dir, d)));
  return entries.filter((e): e is Entry => e !== undefined);
}

async function toEntry(root: string, dir: string, dirent: Dirent): Promise<Entry | undefined> {
  const name = dirent.name;
  if (name.length > MAX_NAME_LENGTH || !SAFE_NAME.test(name)) return undefined;
  const path = join(dir, name);
  if (dirent.isDirectory()) return { name, path, kind: 'directory' };
  if (dirent.isFile()) return { name, path, kind: 'file' };
  if (!dirent.isSymbolicLink()) return undefined; // sockets, FIFOs, devices
  try {
    // MAAS's cache is full of links (snapshots link into the cache): follow them, but never out.
    const target = await realpath(path);
    if (!isInside(root, target)) return undefined;
    const info = await stat(target);
    if (info.isDirectory()) return { name, path: target, kind: 'directory' };
    if (info.isFile()) return { name, path: target, kind: 'file' };
    return undefined;
  } catch {
    return undefined; // dangling link, or a loop
  }
}

/** Whether `path` lies strictly below `root` (both already resolved). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
