import type { Expression, ExpressionBuilder, Insertable, Kysely, SqlBool } from 'kysely';
import { eventLevels, type EventLevelName } from '@ferrum/domain';
import type { Database, EventRow, EventsTable, UserRow } from '../db/schema.js';
import { machineListConditions } from './machine-filters.js';

export interface NewEvent {
  readonly type: string;
  readonly level: EventLevelName;
  readonly description?: string;
  readonly action?: string;
  readonly username?: string | null;
  readonly nodeSystemId?: string | null;
  readonly nodeHostname?: string;
  readonly ipAddress?: string | null;
}

export interface EventFilter {
  readonly level: EventLevelName;
  readonly limit: number;
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  readonly systemIds?: readonly string[] | undefined;
  readonly hostnames?: readonly string[] | undefined;
  /** Only events recorded for this username (MAAS's `owner` filter). */
  readonly username?: string | undefined;
  /** Filters on properties of the events' machines (MAC, zone, agent name, domain). */
  readonly machines?: MachineFilter | undefined;
}

export interface MachineFilter {
  readonly macAddresses: readonly string[];
  readonly zones: readonly string[];
  readonly agentNames: readonly string[];
  readonly domains: readonly string[];
}

/**
 * The node events a user who is not an administrator may read besides their own: a condition
 * on the events table, or undefined for none. MAAS shows the events of the nodes a user may
 * view: the region passes that rule here (machines the user owns or that nobody owns).
 */
export type NodeEventAccess = (
  eb: ExpressionBuilder<Database, 'events'>,
  viewer: UserRow,
) => Expression<SqlBool> | undefined;

const noNodeEvents: NodeEventAccess = () => undefined;

/** The events row of `event`, for `record` and for statements that insert it among other changes. */
export function eventRow(event: NewEvent): Insertable<EventsTable> {
  return {
    type: event.type,
    level: eventLevels[event.level],
    description: event.description ?? '',
    action: event.action ?? '',
    username: event.username ?? null,
    node_system_id: event.nodeSystemId ?? null,
    node_hostname: event.nodeHostname ?? '',
    ip_address: event.ipAddress ?? null,
  };
}

/** The events table: written by every audited change, read by `events/?op=query`. */
export class EventService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodeEvents: NodeEventAccess = noNodeEvents,
  ) {}

  /** Records an event, inside `trx` when given so it commits (or not) with the change it tells of. */
  async record(event: NewEvent, trx: Kysely<Database> = this.db): Promise<void> {
    await trx.insertInto('events').values(eventRow(event)).execute();
  }

  /** An AUDIT event: who changed what. */
  audit(username: string, description: string): Promise<void> {
    return this.record({ type: 'AUDIT', level: 'AUDIT', description, username });
  }

  /**
   * The events `viewer` may read, newest first: every event for an administrator; for anyone
   * else their own (those recorded with their username) and those of nodes they may view.
   * `AUDIT` selects audit events only; another level selects non-audit events at that level
   * or above, as MAAS's `events/?op=query` does.
   */
  async query(viewer: UserRow, filter: EventFilter): Promise<EventRow[]> {
    let query = this.db.selectFrom('events').selectAll();
    if (!viewer.is_superuser) {
      query = query.where((eb) => {
        const nodes = this.nodeEvents(eb, viewer);
        const own = eb('username', '=', viewer.username);
        return nodes ? eb.or([own, nodes]) : own;
      });
    }
    query =
      filter.level === 'AUDIT'
        ? query.where('level', '=', eventLevels.AUDIT)
        : query.where('level', '>=', eventLevels[filter.level]);
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    if (filter.after !== undefined) query = query.where('id', '>', filter.after);
    if (filter.systemIds && filter.systemIds.length > 0)
      query = query.where('node_system_id', 'in', [...filter.systemIds]);
    if (filter.hostnames && filter.hostnames.length > 0)
      query = query.where('node_hostname', 'in', [...filter.hostnames]);
    if (filter.username !== undefined) query = query.where('username', '=', filter.username);
    const machines = filter.machines;
    if (machines) {
      const conditions = machineListConditions({
        mac_address: machines.macAddresses,
        zone: machines.zones,
        agent_name: machines.agentNames,
        domain: machines.domains,
      });
      if (conditions.length > 0) {
        let nodes = this.db.selectFrom('machines').select('machines.system_id');
        for (const condition of conditions) nodes = nodes.where(condition);
        query = query.where('node_system_id', 'in', nodes);
      }
    }
    // With `after`, the page nearest to `after` is wanted: read upwards, then present newest first.
    if (filter.after !== undefined && filter.before === undefined) {
      const rows = await query.orderBy('id', 'asc').limit(filter.limit).execute();
      return rows.reverse();
    }
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }
}
