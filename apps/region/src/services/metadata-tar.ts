/** One file of a tar archive. */
export interface TarEntry {
  readonly path: string;
  readonly data: Buffer;
  /** Unix permissions; 0o755 unless given (scripts are executables). */
  readonly mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as POSIX ustar writes numeric fields.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: TarEntry, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const name = Buffer.from(entry.path, 'utf8');
  if (name.length > 100) throw new Error(`tar path too long for ustar: ${entry.path}`);
  name.copy(block, 0);
  block.write(octal(entry.mode ?? 0o755, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(entry.data.length, 12), 124, 'ascii');
  block.write(octal(mtime, 12), 136, 'ascii');
  block.fill(' ', 148, 156);
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/**
 * A POSIX ustar archive of `entries` (what `maas-scripts` serves: Python's tarfile, and so
 * MAAS's script runner, reads it). Modification time `mtime`, seconds: files dated the epoch
 * make tar warn when it unpacks them.
 */
export function tarArchive(entries: readonly TarEntry[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry, mtime), entry.data);
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
