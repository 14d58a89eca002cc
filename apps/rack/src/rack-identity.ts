import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '@ferrum/kit';
import { AppError } from '@ferrum/domain';
import { rpcUrlFor } from '@ferrum/protocol';

/**
 * All a rack keeps of its own (it is amnesiac): who it is, which regions it dials, and the
 * credential it proves. Everything else it pulls from the region when it connects.
 */
export interface RackIdentity {
  /** The name the rack registers with (`--name`, default the host name). */
  readonly name: string;
  /** The region RPC URLs it dials, in order (`ws://host:5240/MAAS/rpc/`). */
  readonly urls: readonly string[];
  readonly systemId: string;
  readonly credential: string;
}

/** The identity file's name in the data dir; 0600, as it holds the credential. */
export const IDENTITY_FILE = 'rack.json';

export function identityPath(dataDir: string): string {
  return join(dataDir, IDENTITY_FILE);
}

/** The rack's identity in `dataDir`, or undefined when it has not registered; a damaged file is an error. */
export async function readIdentity(dataDir: string): Promise<RackIdentity | undefined> {
  const path = identityPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const problem = (what: string) =>
    AppError.invalid({
      [IDENTITY_FILE]: `${path} ${what}: register the rack again (ferrum rack register --url URL --secret SECRET).`,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw problem('is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object') throw problem('is not a JSON object');
  const { name, urls, systemId, credential } = parsed as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') throw problem('has no name');
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string'))
    throw problem('has no region URLs');
  for (const url of urls) {
    const checked = rpcUrlFor(url);
    if (!checked.ok) throw problem(`has a bad region URL: ${checked.message}`);
  }
  if (typeof systemId !== 'string' || !/^[a-z0-9]{6,}$/.test(systemId)) throw problem('has no system_id');
  if (typeof credential !== 'string' || credential.length < 32) throw problem('has no credential');
  return { name, urls, systemId, credential };
}

/** Stores the rack's identity atomically, readable by its owner only. */
export async function writeIdentity(dataDir: string, identity: RackIdentity): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await atomicWrite(identityPath(dataDir), `${JSON.stringify(identity, null, 2)}\n`, 0o600);
}
