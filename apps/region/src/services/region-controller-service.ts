import { sql, type Kysely, type Selectable } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, RegionControllersTable } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { newSystemId } from './system-id.js';

/** What a region process tells of itself when it registers. */
export interface RegionInfo {
  readonly hostname: string;
  readonly pid: number;
  readonly version: string;
  /** Where this process serves, e.g. `http://10.0.0.2:5240/MAAS/`. */
  readonly url: string;
}

/** A registered region process, and whether it refreshed its row recently enough to count as running. */
export type RegionController = Selectable<RegionControllersTable> & { readonly alive: boolean };

/** A region is alive while its `last_seen` is this recent; it refreshes every 10 s (RegionPresence). */
export const ALIVE_SECONDS = 60;

/**
 * A region silent for this long is forgotten: no longer listed, and its row removed by the next
 * region to register or refresh. Every start registers a new row, so without this the rows of
 * crashed and killed processes would pile up. Until then a dead region is listed (not alive)
 * and an administrator may delete it.
 */
export const FORGOTTEN_SECONDS = 600;

const notFound = () => new AppError('not_found', 'No RegionController matches the given query.');

/**
 * The region processes sharing this database (MAAS's region controllers): each registers at
 * start, refreshes its row while it runs and removes it when it stops. Times are the database's
 * clock (`now()`), never a process's, so regions on hosts whose clocks differ agree on who is alive.
 */
export class RegionControllerService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      /** Where deletions by an administrator are audited. */
      readonly events?: Pick<EventService, 'audit'>;
    },
  ) {}

  /**
   * Registers a region process under a new system_id, or again under `systemId` (a process
   * whose row was removed while it was silent keeps its identity). Returns the system_id.
   */
  async register(info: RegionInfo, systemId?: string): Promise<string> {
    await this.forgetSilent();
    const values = {
      hostname: info.hostname,
      pid: info.pid,
      version: info.version,
      url: info.url,
      last_seen: sql<Date>`now()`,
    };
    const id = systemId ?? newSystemId();
    const insert = this.deps.db.insertInto('region_controllers').values({ system_id: id, ...values });
    // A fresh id that is taken (1 in 29⁶ per row) fails the insert; RegionPresence retries with another.
    await (
      systemId === undefined ? insert : insert.onConflict((oc) => oc.column('system_id').doUpdateSet(values))
    ).execute();
    return id;
  }

  /** Refreshes a region's `last_seen`; false when it has no row (forgotten or deleted): register again. */
  async heartbeat(systemId: string): Promise<boolean> {
    const updated = await this.deps.db
      .updateTable('region_controllers')
      .set({ last_seen: sql<Date>`now()` })
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    await this.forgetSilent();
    return updated.numUpdatedRows > 0n;
  }

  /** Removes a region's row: the process is stopping. */
  async deregister(systemId: string): Promise<void> {
    await this.deps.db.deleteFrom('region_controllers').where('system_id', '=', systemId).execute();
  }

  /** The regions heard from in the last FORGOTTEN_SECONDS, oldest registration first. */
  list(): Promise<RegionController[]> {
    return this.select().orderBy('id').execute();
  }

  /** One listed region; not_found for an unknown or forgotten one. */
  async get(systemId: string): Promise<RegionController> {
    const row = await this.select().where('system_id', '=', systemId).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  /**
   * An administrator removes a dead region (one that crashed, leaving its row). A live one is
   * refused: it would register again within seconds, and a running region is stopped, not deleted.
   */
  async delete(systemId: string, actor: string): Promise<void> {
    const deleted = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.select(trx).where('system_id', '=', systemId).forUpdate().executeTakeFirst();
      if (!row) throw notFound();
      if (row.alive)
        throw new AppError(
          'validation_failed',
          `Region controller ${row.hostname} (${systemId}) is running: it was seen at ` +
            `${row.last_seen.toISOString()}. Only a region silent for more than ${String(ALIVE_SECONDS)} s ` +
            'can be deleted; stop the region instead.',
        );
      await trx.deleteFrom('region_controllers').where('id', '=', row.id).execute();
      return row;
    });
    await this.deps.events?.audit(actor, `Deleted region controller ${deleted.hostname} (${systemId}).`);
  }

  private select(db: Kysely<Database> = this.deps.db) {
    return db
      .selectFrom('region_controllers')
      .selectAll()
      .select(sql<boolean>`last_seen > now() - make_interval(secs => ${ALIVE_SECONDS})`.as('alive'))
      .where(sql<boolean>`last_seen > now() - make_interval(secs => ${FORGOTTEN_SECONDS})`);
  }

  private async forgetSilent(): Promise<void> {
    await this.deps.db
      .deleteFrom('region_controllers')
      .where(sql<boolean>`last_seen <= now() - make_interval(secs => ${FORGOTTEN_SECONDS})`)
      .execute();
  }
}
