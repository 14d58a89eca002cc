import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-ssh-key-material-unique.js';
import * as m0003 from './migrations/0003-machines.js';
import * as m0004 from './migrations/0004-job-queue.js';
import * as m0005 from './migrations/0005-machine-storage-total.js';
import * as m0006 from './migrations/0006-storage-total-deltas.js';
import * as m0007 from './migrations/0007-rack-controllers.js';
import * as m0008 from './migrations/0008-rack-connections.js';
import * as m0009 from './migrations/0009-region-controllers.js';
import * as m0010 from './migrations/0010-networks.js';
import * as m0011devices from './migrations/0011-devices.js';
import * as m0012 from './migrations/0012-power-polling.js';
import * as m0013 from './migrations/0013-scripts.js';
import * as m0014 from './migrations/0014-metadata.js';
import * as m0015 from './migrations/0015-hardware.js';
import * as m0016 from './migrations/0016-interface-mac-index.js';
import * as m0017 from './migrations/0017-node-devices.js';
import * as m0018 from './migrations/0018-tag-definitions.js';
import * as m0019 from './migrations/0019-script-output-storage.js';

// Listed explicitly (not read from a folder) so they work the same from src and dist.
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-ssh-key-material-unique': m0002,
  '0003-machines': m0003,
  '0004-job-queue': m0004,
  '0005-machine-storage-total': m0005,
  '0006-storage-total-deltas': m0006,
  '0007-rack-controllers': m0007,
  '0008-rack-connections': m0008,
  '0009-region-controllers': m0009,
  '0010-networks': m0010,
  '0011-devices': m0011devices,
  '0012-power-polling': m0012,
  '0013-scripts': m0013,
  '0014-metadata': m0014,
  '0015-hardware': m0015,
  '0016-interface-mac-index': m0016,
  '0017-node-devices': m0017,
  '0018-tag-definitions': m0018,
  '0019-script-output-storage': m0019,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against any schema
type AnyDatabase = Kysely<any>;

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** Every migration of this build, in the order they apply. */
export const allMigrationNames: readonly string[] = Object.keys(migrations).sort();

/** The newest schema version this build knows. */
export const latestSchemaVersion = allMigrationNames.at(-1) ?? 'none';

/**
 * Runs every pending migration. Idempotent and safe to call from several region processes
 * at once: Kysely's migrator holds a lock while it works.
 */
export async function migrateToLatest(db: AnyDatabase): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The applied schema version (newest migration name), or undefined on an empty database. */
export async function currentSchemaVersion(db: AnyDatabase): Promise<string | undefined> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const all = await migrator.getMigrations();
  return all
    .filter((m) => m.executedAt !== undefined)
    .map((m) => m.name)
    .sort()
    .at(-1);
}
