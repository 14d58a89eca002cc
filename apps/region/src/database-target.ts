import type { Logger } from '@ferrum/kit';
import { AppError } from '@ferrum/domain';
import { EmbeddedPostgres } from './db/embedded-postgres.js';
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.js';
import { mkdir } from 'node:fs/promises';

export interface DatabaseTarget {
  readonly url: string;
  /** How it was reached, for status output. */
  readonly kind: 'external' | 'embedded' | 'embedded-shared';
  release(): Promise<void>;
}

/**
 * The database to use: DATABASE_URL when set; else the data dir's embedded PostgreSQL —
 * started by this process (and stopped on release), or, when another Ferrum process on the
 * same data dir already runs it, shared with that process.
 */
export async function openDatabaseTarget(options: {
  dataDir: string;
  databaseUrl: string | undefined;
  logger: Logger;
  /** A server (`ferrum start`) must own the data dir; admin commands may share it. */
  exclusive: boolean;
  /** For the embedded server: room for the region's pool and the admin commands beside it. */
  maxConnections: number;
}): Promise<DatabaseTarget> {
  if (options.databaseUrl !== undefined) {
    return { url: options.databaseUrl, kind: 'external', release: () => Promise.resolve() };
  }
  await mkdir(options.dataDir, { recursive: true });
  const embedded = new EmbeddedPostgres({
    dataDir: options.dataDir,
    logger: options.logger,
    maxConnections: options.maxConnections,
  });
  const locked = await lockDataDir(options.dataDir);
  if (!locked.acquired) {
    if (options.exclusive) {
      throw new AppError(
        'conflict',
        `Ferrum is already running on data dir ${options.dataDir} (pid ${locked.pid}). Stop it first, or use another FERRUM_DATA_DIR.`,
      );
    }
    if (!(await embedded.isRunning())) {
      throw new AppError(
        'unavailable',
        `Ferrum (pid ${locked.pid}) holds ${options.dataDir} but its PostgreSQL is not running yet; try again in a moment.`,
        { retryAfterSeconds: 2 },
      );
    }
    return { url: embedded.url(), kind: 'embedded-shared', release: () => Promise.resolve() };
  }
  const lock: DataDirLock = locked.lock;
  try {
    await embedded.start();
  } catch (error) {
    await lock.release();
    throw error;
  }
  return {
    url: embedded.url(),
    kind: 'embedded',
    release: async () => {
      await embedded.stop();
      await lock.release();
    },
  };
}
