import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ferrum/kit';
import type { RegionConfig } from '../../../src/config.js';
import { startRegion, type RunningRegion } from '../../../src/region.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { seedUsers } from '../../support/test-region.js';

export interface ListeningRegion {
  readonly region: RunningRegion;
  /** The region's database, for state that has no API to seed it. */
  readonly database: TestDatabase;
  /** e.g. `http://127.0.0.1:41234/MAAS/`, as a user would give it to `maas login`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** API key of the administrator `admin`. */
  readonly adminKey: string;
  /** API key of the normal user `alice`. */
  readonly userKey: string;
  close(): Promise<void>;
}

/**
 * A real region, as `ferrum start` runs it, listening on an ephemeral port of 127.0.0.1, on a
 * fresh database cloned from the migrated template; with an admin and a normal user.
 */
/** A region's configuration for e2e tests: on `databaseUrl`, an ephemeral port of 127.0.0.1. */
export function e2eRegionConfig(databaseUrl: string): RegionConfig {
  return {
    // Unused: with a databaseUrl the region runs no embedded PostgreSQL.
    dataDir: join(tmpdir(), 'ferrum-e2e-unused'),
    databaseUrl,
    httpPort: 0,
    bindAddress: '127.0.0.1',
    logLevel: 'silent',
    logFormat: 'json',
    dbPoolSize: 5,
    dbPreparedStatements: 'on',
    powerPollInterval: 300,
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
  };
}

/** The logger of e2e regions: silent unless FERRUM_TEST_LOG names a level. */
export const e2eLogger = () =>
  createLogger({ level: process.env['FERRUM_TEST_LOG'] ?? 'silent', pretty: false });

export async function startListeningRegion(): Promise<ListeningRegion> {
  const database: TestDatabase = await createTestDatabase();
  const config = e2eRegionConfig(database.url);
  let region: RunningRegion;
  try {
    region = await startRegion(config, e2eLogger(), '0.0.0-e2e');
  } catch (error) {
    await database.drop();
    throw error;
  }
  const close = async (): Promise<void> => {
    await region.stop();
    await database.drop();
  };
  try {
    const address = region.app.server.address();
    if (address === null || typeof address !== 'object')
      throw new Error('region is not listening on a TCP port');
    const { services } = region;
    const { adminKey, userKey } = await seedUsers(services, 'e2e');
    return {
      region,
      database,
      url: region.url,
      host: '127.0.0.1',
      port: address.port,
      adminKey,
      userKey,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
