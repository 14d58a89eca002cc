import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import { AppError, allNodeStatuses, normaliseMac, statusValue, type NodeStatus } from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';

/** Request parameters by name, each with every value given (`?tags=a&tags=b`). */
export type ParamLists = Readonly<Record<string, readonly string[]>>;

type MachineEb = ExpressionBuilder<Database, 'machines'>;
/** A condition on the machines table (one filter of a list, a visibility rule). */
export type MachineCondition = (eb: MachineEb) => Expression<SqlBool>;
type Condition = MachineCondition;

/** The lower-case status keywords of MAAS's `status` filter (`ready`, `failed_commissioning`, …). */
const statusByKeyword = new Map<string, NodeStatus>(allNodeStatuses.map((s) => [s.toLowerCase(), s]));

const networkFilters = [
  'fabrics',
  'not_fabrics',
  'vlans',
  'not_vlans',
  'subnets',
  'not_subnets',
  'fabric_classes',
  'not_fabric_classes',
  'link_speed',
  'interfaces',
  'devices',
];

/**
 * The network filters or constraints given, each with why it is refused: they need networks,
 * which this region does not model yet, and matching every machine instead would be wrong.
 */
export function networkFilterProblems(params: ParamLists, what: string): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const name of networkFilters)
    if ((params[name] ?? []).some((v) => v !== ''))
      problems[name] = `${what} by ${name} needs networks, which this region does not model yet.`;
  return problems;
}

/** Splits repeated and comma-separated values (`tags=a,b&tags=c`), dropping empty ones. */
export function listParam(params: ParamLists, name: string): string[] {
  return (params[name] ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function numberParam(params: ParamLists, name: string, problems: Record<string, string>): number | undefined {
  const raw = params[name]?.at(-1);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    problems[name] = `Invalid ${name}: '${raw}' is not a non-negative number.`;
    return undefined;
  }
  return value;
}

const anyOf = (values: readonly string[]) => sql<string[]>`${sql.val([...values])}::text[]`;

/**
 * `column = value` for one value, `column = ANY(values)` for several. The common one-value
 * lookup then has a prepared (generic) plan as cheap as its custom one, so PostgreSQL keeps
 * the cached plan instead of planning it again on every call; with an array of unknown length
 * the generic plan's estimate is worse and it re-plans each time (most of the query's cost).
 */
function equalsAny(
  eb: MachineEb,
  column: 'machines.system_id' | 'machines.hostname',
  values: readonly string[],
) {
  const [only] = values;
  return values.length === 1 && only !== undefined
    ? eb(column, '=', only)
    : eb(column, '=', eb.fn.any(anyOf(values)));
}

/**
 * The `GET machines/` filters of MAAS (reference §1.3), each a SQL condition on `machines`.
 * Values of one filter are alternatives (OR); different filters all apply (AND). Filters that
 * need networks are refused until networks exist, rather than silently matching everything.
 */
export function machineListConditions(params: ParamLists): Condition[] {
  const problems: Record<string, string> = {};
  const conditions: Condition[] = [];
  const add = (condition: Condition) => conditions.push(condition);

  const ids = [...listParam(params, 'id'), ...listParam(params, 'system_id')];
  if (ids.length > 0) add((eb) => equalsAny(eb, 'machines.system_id', ids));
  const hostnames = listParam(params, 'hostname');
  if (hostnames.length > 0) {
    // A bare name uses the (hostname, domain) index; an FQDN matches host and domain both.
    const bare = hostnames.filter((h) => !h.includes('.'));
    const fqdns = hostnames
      .filter((h) => h.includes('.'))
      .map((h) => [h.slice(0, h.indexOf('.')), h.slice(h.indexOf('.') + 1)] as const);
    add((eb) =>
      eb.or([
        ...(bare.length > 0 ? [equalsAny(eb, 'machines.hostname', bare)] : []),
        ...fqdns.map(([host, domain]) =>
          eb.and([
            eb('machines.hostname', '=', host),
            eb('machines.domain_id', 'in', eb.selectFrom('domains').select('id').where('name', '=', domain)),
          ]),
        ),
      ]),
    );
  }
  const givenMacs = listParam(params, 'mac_address');
  const macs = givenMacs.flatMap((m) => normaliseMac(m) ?? []);
  for (const mac of givenMacs)
    if (!normaliseMac(mac)) problems['mac_address'] = `Invalid MAC address: '${mac}'.`;
  if (macs.length > 0 && !problems['mac_address'])
    // IN rather than EXISTS: the prepared (generic) plan of EXISTS probes every machine's
    // interfaces; this one looks the MACs up in their unique index and joins on the key.
    add((eb) =>
      eb(
        'machines.id',
        'in',
        eb
          .selectFrom('interfaces')
          .select('interfaces.machine_id')
          .where(
            macs.length === 1
              ? sql<SqlBool>`interfaces.mac_address = ${macs[0]}::macaddr`
              : sql<SqlBool>`interfaces.mac_address = ANY(${sql.val(macs)}::macaddr[])`,
          ),
      ),
    );
  const byName = (
    param: string,
    table: 'domains' | 'zones' | 'resource_pools',
    column: string,
    negate: boolean,
  ) => {
    const values = listParam(params, param);
    if (values.length === 0) return;
    add((eb) => {
      const inSet = eb(
        sql.ref(`machines.${column}`),
        'in',
        eb
          .selectFrom(table)
          .select('id')
          .where('name', '=', eb.fn.any(anyOf(values))),
      );
      return negate ? eb.not(inSet) : inSet;
    });
  };
  byName('domain', 'domains', 'domain_id', false);
  byName('not_domain', 'domains', 'domain_id', true);
  byName('zone', 'zones', 'zone_id', false);
  byName('not_in_zone', 'zones', 'zone_id', true);
  byName('not_zone', 'zones', 'zone_id', true);
  byName('pool', 'resource_pools', 'pool_id', false);
  byName('not_in_pool', 'resource_pools', 'pool_id', true);
  byName('not_pool', 'resource_pools', 'pool_id', true);

  const agentNames = params['agent_name'] ?? [];
  if (agentNames.length > 0) add((eb) => eb('machines.agent_name', '=', eb.fn.any(anyOf(agentNames))));
  const owners = listParam(params, 'owner');
  if (owners.length > 0)
    add((eb) =>
      eb(
        'machines.owner_id',
        'in',
        eb
          .selectFrom('users')
          .select('id')
          .where('username', '=', eb.fn.any(anyOf(owners))),
      ),
    );
  const powerStates = listParam(params, 'power_state');
  if (powerStates.length > 0) add((eb) => eb('machines.power_state', '=', eb.fn.any(anyOf(powerStates))));

  const statuses: number[] = [];
  for (const keyword of listParam(params, 'status')) {
    const status = statusByKeyword.get(keyword.toLowerCase());
    if (status) statuses.push(statusValue(status));
    else
      problems['status'] =
        `Invalid status: '${keyword}'. Use one of: ${[...statusByKeyword.keys()].join(', ')}.`;
  }
  if (statuses.length > 0) add((eb) => eb('machines.status', 'in', statuses));

  const arches = listParam(params, 'arch');
  const archCondition = (eb: MachineEb, values: string[]) =>
    eb.or(
      values.map((arch) =>
        arch.includes('/')
          ? eb('machines.architecture', '=', arch)
          : eb('machines.architecture', 'like', `${arch.replace(/[\\%_]/g, '\\$&')}/%`),
      ),
    );
  if (arches.length > 0) add((eb) => archCondition(eb, arches));
  const notArches = listParam(params, 'not_arch');
  if (notArches.length > 0) add((eb) => eb.not(archCondition(eb, notArches)));

  const cpuCount = numberParam(params, 'cpu_count', problems);
  if (cpuCount !== undefined) add((eb) => eb('machines.cpu_count', '>=', cpuCount));
  const mem = numberParam(params, 'mem', problems);
  if (mem !== undefined) add((eb) => eb('machines.memory', '>=', mem));
  const cpuSpeed = numberParam(params, 'cpu_speed', problems);
  if (cpuSpeed !== undefined) add((eb) => eb('machines.cpu_speed', '>=', cpuSpeed));

  const tagged = (eb: MachineEb, tag: string) =>
    eb.exists(
      eb
        .selectFrom('machine_tags')
        .innerJoin('tags', 'tags.id', 'machine_tags.tag_id')
        .select(sql`1`.as('one'))
        .whereRef('machine_tags.machine_id', '=', 'machines.id')
        .where('tags.name', '=', tag),
    );
  // Tags all apply (MAAS: a machine must carry every tag asked for).
  for (const tag of listParam(params, 'tags')) add((eb) => tagged(eb, tag));
  for (const tag of listParam(params, 'not_tags')) add((eb) => eb.not(tagged(eb, tag)));

  Object.assign(problems, networkFilterProblems(params, 'Filtering machines'));

  if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  return conditions;
}

/**
 * The machines `viewer` may see: administrators all; others those they own and those nobody
 * owns (MAAS: a user sees Ready machines and their own; unowned machines in other statuses,
 * e.g. New or Commissioning, are visible too so users can see the pool).
 */
export function visibleTo(viewer: Pick<UserRow, 'id' | 'is_superuser'>): Condition | undefined {
  if (viewer.is_superuser) return undefined;
  return (eb) => eb.or([eb('machines.owner_id', 'is', null), eb('machines.owner_id', '=', viewer.id)]);
}
