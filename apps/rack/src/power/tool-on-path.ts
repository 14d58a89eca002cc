import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** A program's bare name: no directory part, nothing a PATH lookup would treat specially. */
const BARE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Whether an executable regular file `name` is in one of the `searchPath` directories (by
 * default the process's own PATH, the one `execFile` would search). Only absolute entries
 * count: an empty or relative entry would mean the working directory.
 */
export async function toolOnPath(
  name: string,
  searchPath: string = process.env['PATH'] ?? '',
): Promise<boolean> {
  if (!BARE_NAME.test(name)) return false;
  for (const dir of searchPath.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    if (await isExecutableFile(join(dir, name))) return true;
  }
  return false;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    // X_OK alone passes directories too.
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
