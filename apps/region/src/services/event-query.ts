import type { Kysely } from 'kysely';
import { eventLevels, type EventLevelName } from '@ferrum/domain';
import type { Database, EventRow } from '../db/schema.js';

export interface EventFilter {
  readonly level: EventLevelName;
  readonly limit: number;
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  readonly systemIds?: readonly string[] | undefined;
  readonly hostnames?: readonly string[] | undefined;
  /** Only events recorded for this username (MAAS's `owner` filter). */
  readonly username?: string | undefined;
}

/**
 * Reads events newest first. `AUDIT` selects audit events only; another level selects
 * non-audit events at that level or above, as MAAS's `events/?op=query` does.
 */
export async function queryEvents(db: Kysely<Database>, filter: EventFilter): Promise<EventRow[]> {
  let query = db.selectFrom('events').selectAll();
  query =
    filter.level === 'AUDIT'
      ? query.where('level', '=', eventLevels.AUDIT)
      : query.where('level', '>=', eventLevels[filter.level]);
  if (filter.before !== undefined) query = query.where('id', '<', String(filter.before));
  if (filter.after !== undefined) query = query.where('id', '>', String(filter.after));
  if (filter.systemIds && filter.systemIds.length > 0) query = query.where('node_system_id', 'in', [...filter.systemIds]);
  if (filter.hostnames && filter.hostnames.length > 0) query = query.where('node_hostname', 'in', [...filter.hostnames]);
  if (filter.username !== undefined) query = query.where('username', '=', filter.username);
  // With `after`, the page nearest to `after` is wanted: read upwards, then present newest first.
  if (filter.after !== undefined && filter.before === undefined) {
    const rows = await query.orderBy('id', 'asc').limit(filter.limit).execute();
    return rows.reverse();
  }
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}
