import { AppError, eventLevels, isEventLevelName } from '@ferrum/domain';
import { currentUser, operation, type HandlerDef } from '../handler.js';
import type { EventRow } from '../../../db/schema.js';
import { API_PREFIX } from '../describe.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** MAAS's event timestamp format, `%a, %d %b. %Y %H:%M:%S` in UTC. */
function formatEventTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]}. ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

const levelNames = new Map<number, string>(Object.entries(eventLevels).map(([name, n]) => [n, name]));

function renderEvent(row: EventRow) {
  return {
    username: row.username,
    node: row.node_system_id,
    hostname: row.node_hostname,
    id: row.id,
    level: levelNames.get(row.level) ?? String(row.level),
    created: formatEventTime(new Date(row.created)),
    type: row.type,
    description: row.description,
    ...(row.action !== '' ? { action: row.action } : {}),
  };
}

/** The query parameters MAAS carries over into next_uri/prev_uri (OAuth parameters never are). */
const pagingParams = new Set([
  'agent_name',
  'domain',
  'hostname',
  'id',
  'level',
  'limit',
  'mac_address',
  'op',
  'zone',
  'owner',
]);

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
        async (ctx) => {
          const { form } = ctx;
          const level = form.get('level') ?? 'INFO';
          // MAAS answers an unknown level with a plain-text 400, not a field error.
          if (!isEventLevelName(level))
            throw new AppError('validation_failed', `Unrecognised log level: ${level}`);
          const limitRaw =
            form.int('limit', { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }) ??
            DEFAULT_LIMIT;
          if (limitRaw > MAX_LIMIT)
            throw new AppError(
              'validation_failed',
              `Requested number of events ${limitRaw} is greater than limit: ${MAX_LIMIT}`,
            );
          // As MAAS does: a limit below 1 means 1.
          const limit = Math.max(1, limitRaw);
          const before = form.int('before', { min: 0, max: Number.MAX_SAFE_INTEGER });
          const after = form.int('after', { min: 0, max: Number.MAX_SAFE_INTEGER });
          if (before !== undefined && after !== undefined) {
            throw new AppError(
              'validation_failed',
              'There is undetermined behaviour when both `after` and `before` are specified.',
            );
          }
          const rows = await ctx.services.events.query(currentUser(ctx), {
            level,
            limit,
            before,
            after,
            systemIds: form.getAll('id'),
            hostnames: form.getAll('hostname'),
            username: form.get('owner'),
            machines: {
              macAddresses: form.getAll('mac_address'),
              zones: form.getAll('zone'),
              agentNames: form.getAll('agent_name'),
              domains: form.getAll('domain'),
            },
          });
          const events = rows.map(renderEvent);
          const link = (set: 'before' | 'after', id: number): string => {
            const q = new URLSearchParams();
            for (const key of form.keys())
              if (pagingParams.has(key)) for (const v of form.getAll(key)) q.append(key, v);
            if (!q.has('op')) q.set('op', 'query');
            q.set(set, String(id));
            return `${API_PREFIX}/events/?${q.toString()}`;
          };
          const newest = events[0]?.id;
          const oldest = events.at(-1)?.id;
          // MAAS's paging: next_uri leads to newer events (after the newest shown), prev_uri to
          // older ones (before the oldest shown); prev_uri is null when nothing older can exist.
          let nextUri: string;
          let prevUri: string | null;
          if (newest !== undefined && oldest !== undefined) {
            nextUri = link('after', newest);
            prevUri = link('before', oldest);
          } else {
            nextUri = before === undefined ? link('after', after ?? 0) : link('after', before - 1);
            prevUri = after === undefined ? null : link('before', after + 1);
          }
          return { count: events.length, events, next_uri: nextUri, prev_uri: prevUri };
        },
      ),
    ],
  },
];
