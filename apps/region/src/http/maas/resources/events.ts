import { AppError, eventLevels, isEventLevelName, type EventLevelName } from '@ferrum/domain';
import { operation, type HandlerDef } from '../handler.js';
import { queryEvents } from '../../../services/event-query.js';
import type { EventRow } from '../../../db/schema.js';
import { API_PREFIX } from '../describe.js';

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** MAAS's event timestamp format, `%a, %d %b. %Y %H:%M:%S` in UTC. */
export function formatEventTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]}. ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

const levelNames = new Map<number, string>(Object.entries(eventLevels).map(([name, n]) => [n, name]));

function renderEvent(row: EventRow) {
  return {
    username: row.username,
    node: row.node_system_id,
    hostname: row.node_hostname,
    id: Number(row.id),
    level: levelNames.get(row.level) ?? String(row.level),
    created: formatEventTime(new Date(row.created)),
    type: row.type,
    description: row.description,
    ...(row.action !== '' ? { action: row.action } : {}),
  };
}

// Filters that select events by properties of machines; no machines exist before the
// machines issue, so an event can match them only once machines are stored.
const machineFilters = ['mac_address', 'zone', 'agent_name', 'owner'] as const;

export const eventsHandlers: HandlerDef[] = [
  {
    name: 'EventsHandler',
    doc: 'Retrieve filtered node events.',
    path: '/events/',
    actions: [
      operation(
        'query',
        'GET',
        'user',
        'List node events, optionally filtered by various criteria via URL query parameters.\n\n' +
          ':param hostname: An optional hostname. Only events relating to the node with the matching hostname will be returned. This can be specified multiple times to get events relating to more than one node.\n:type hostname: String\n\n' +
          ':param mac_address: An optional list of MAC addresses. Only nodes with matching MAC addresses will be returned.\n:type mac_address: String\n\n' +
          ':param id: An optional list of system ids. Only nodes with matching system ids will be returned.\n:type id: String\n\n' +
          ':param zone: An optional name for a physical zone. Only nodes in the zone will be returned.\n:type zone: String\n\n' +
          ':param agent_name: An optional agent name. Only nodes with matching agent names will be returned.\n:type agent_name: String\n\n' +
          ':param level: Desired minimum log level of returned events. Returns this level of events and greater. Choose from: CRITICAL, DEBUG, ERROR, INFO, WARNING, AUDIT. The default is INFO.\n:type level: String\n\n' +
          ':param limit: Optional number of events to return. Default 100. Maximum: 1000.\n:type limit: String\n\n' +
          ':param before: Optional event id. Defines where to start returning older events.\n:type before: String\n\n' +
          ':param after: Optional event id. Defines where to start returning newer events.\n:type after: String\n\n' +
          ':param owner: If specified, filters the list to show only events owned by the specified username.\n:type owner: String',
        async ({ form, services }) => {
          const levelRaw = (form.get('level') ?? 'INFO').toUpperCase();
          if (!isEventLevelName(levelRaw)) throw AppError.invalid({ level: `Unknown level '${levelRaw}'; choose from CRITICAL, DEBUG, ERROR, INFO, WARNING, AUDIT.` });
          const level: EventLevelName = levelRaw;
          const limit = form.int('limit', { min: 1, max: 1000 }) ?? 100;
          const before = form.int('before', { min: 0, max: Number.MAX_SAFE_INTEGER });
          const after = form.int('after', { min: 0, max: Number.MAX_SAFE_INTEGER });
          if (before !== undefined && after !== undefined) throw AppError.invalid({ before: 'There is no ordering for both before and after; give one of them.' });
          const unmatched = machineFilters.some((name) => form.getAll(name).length > 0);
          const rows = unmatched
            ? []
            : await queryEvents(services.db, { level, limit, before, after, systemIds: form.getAll('id'), hostnames: form.getAll('hostname') });
          const events = rows.map(renderEvent);
          const base = new URLSearchParams();
          for (const key of form.keys()) if (!['before', 'after', 'op'].includes(key)) for (const v of form.getAll(key)) base.append(key, v);
          const link = (key: 'before' | 'after', id: number) => {
            const q = new URLSearchParams(base);
            q.set(key, String(id));
            return `${API_PREFIX}/events/?op=query&${q.toString()}`;
          };
          const newest = events[0]?.id;
          const oldest = events.at(-1)?.id;
          return {
            count: events.length,
            events,
            next_uri: link('before', oldest ?? before ?? 0),
            prev_uri: link('after', newest ?? after ?? 0),
          };
        },
      ),
    ],
  },
];
