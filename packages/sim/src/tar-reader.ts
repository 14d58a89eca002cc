/** A regular file of a tar archive. */
export interface TarFile {
  readonly name: string;
  readonly data: Buffer;
}

/**
 * The regular files of a ustar/GNU tar archive (uncompressed), in order. Enough for MAAS's
 * `maas-scripts` bundle; throws naming the offset on a header that is not tar.
 */
export function readTar(archive: Buffer): TarFile[] {
  const files: TarFile[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const text = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0)
      throw new Error(`Not a tar archive: bad size at byte ${String(offset)}.`);
    const type = text(156, 1) || '0';
    const prefix = text(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    const data = archive.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '7')
      files.push({ name: name.replace(/^\.\//, ''), data: Buffer.from(data) });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
