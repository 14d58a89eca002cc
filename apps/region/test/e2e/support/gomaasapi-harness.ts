import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@ferrum/kit';
import type { RegionConfig } from '../../../src/config.js';
import { startRegion, type RunningRegion } from '../../../src/region.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { seedUsers } from '../../support/test-region.js';
import type { ListeningRegion } from './listening-region.js';
import {
  clientsDir,
  gomaasapiPackages,
  parseJsonLine,
  requireDebianPackages,
  runTool,
  type ToolRun,
} from './real-tools.js';

/** A listening region (as listening-region.ts starts it) whose database the test may also seed. */
export interface ListeningRegionWithDatabase extends ListeningRegion {
  readonly database: TestDatabase;
}

/**
 * startListeningRegion with the database kept: some state has no API yet (a machine's tags:
 * MAAS's `tags/{name}/?op=update_nodes` is not served), so tests seed it in SQL.
 */
export async function startListeningRegionWithDatabase(): Promise<ListeningRegionWithDatabase> {
  const database = await createTestDatabase();
  const config: RegionConfig = {
    // Unused: with a databaseUrl the region runs no embedded PostgreSQL.
    dataDir: join(tmpdir(), 'ferrum-e2e-unused'),
    databaseUrl: database.url,
    httpPort: 0,
    bindAddress: '127.0.0.1',
    logLevel: 'silent',
    logFormat: 'json',
    dbPoolSize: 5,
  };
  let region: RunningRegion;
  try {
    region = await startRegion(
      config,
      createLogger({ level: process.env['FERRUM_TEST_LOG'] ?? 'silent', pretty: false }),
      '0.0.0-e2e',
    );
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
    const { adminKey, userKey } = await seedUsers(region.services, 'e2e');
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

/**
 * Builds tools/clients/gomaasapi into `dir` (fails, never skips, naming the apt-get line when a
 * Debian package is missing) and returns the binary's path. ~1 s with a warm Go build cache.
 */
export async function buildGomaasapiHarness(dir: string): Promise<string> {
  await requireDebianPackages('The gomaasapi harness (tools/clients/gomaasapi/build.sh)', gomaasapiPackages);
  const out = join(dir, 'gomaasapi-client');
  const build = await runTool(join(clientsDir, 'gomaasapi', 'build.sh'), [out], { timeoutMs: 280_000 });
  if (build.code !== 0)
    throw new Error(
      `tools/clients/gomaasapi/build.sh failed (exit ${String(build.code)}):\n${build.stderr}${build.stdout}`,
    );
  return out;
}

/** Runs the harness against `url` with `env` (MODE, MAAS_API_KEY, …) and parses its JSON line. */
export async function runGomaasapiHarness(
  binary: string,
  url: string,
  env: Record<string, string>,
): Promise<{ run: ToolRun; result: Record<string, unknown> }> {
  const run = await runTool(binary, [], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MAAS_URL: url, TIMEOUT_SECONDS: '20', ...env },
    timeoutMs: 60_000,
  });
  return { run, result: parseJsonLine(run, 'gomaasapi-client') };
}
