import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { currentSchemaVersion } from '../db/migrator.js';

/** What a health check found; `cause` is the database's own error, for the log only. */
export type DatabaseStatus =
  | { readonly reachable: true; readonly schemaVersion: string | null }
  | {
      readonly reachable: true;
      readonly schemaVersion: null;
      readonly problem: 'schema_unreadable';
      readonly cause: unknown;
    }
  | {
      readonly reachable: false;
      readonly schemaVersion: null;
      readonly problem: 'unreachable';
      readonly cause: unknown;
    };

/** Whether the region's database answers, and at which schema version. */
export class DatabaseStatusService {
  constructor(private readonly db: Kysely<Database>) {}

  async check(): Promise<DatabaseStatus> {
    try {
      await sql`SELECT 1`.execute(this.db);
    } catch (cause) {
      return { reachable: false, schemaVersion: null, problem: 'unreachable', cause };
    }
    try {
      return { reachable: true, schemaVersion: (await currentSchemaVersion(this.db)) ?? null };
    } catch (cause) {
      return { reachable: true, schemaVersion: null, problem: 'schema_unreadable', cause };
    }
  }
}
