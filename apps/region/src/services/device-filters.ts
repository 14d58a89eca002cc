import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { AppError, normaliseMac } from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import { listParam, type ParamLists } from './machine-filters.js';

type DeviceEb = ExpressionBuilder<Database, 'devices'>;
/** A condition on the devices table (one filter of a list, a visibility rule). */
export type DeviceCondition = (eb: DeviceEb) => Expression<SqlBool>;

const anyOf = (values: readonly string[]) => sql<string[]>`${sql.val([...values])}::text[]`;

/**
 * The `GET devices/` filters MAAS applies to devices (its ReadNodesForm, on the node columns a
 * device has): system ids, hostnames (bare or FQDN), MACs, domain, zone, owner, tags. A device
 * has no resource pool and no agent name, so `pool`/`agent_name` match none (MAAS compares them
 * with an empty column) and `not_in_pool` all. Values of one filter are alternatives; different
 * filters all apply.
 */
export function deviceListConditions(params: ParamLists): DeviceCondition[] {
  const problems: Record<string, string> = {};
  const conditions: DeviceCondition[] = [];
  const add = (condition: DeviceCondition) => conditions.push(condition);

  const ids = [...listParam(params, 'id'), ...listParam(params, 'system_id')];
  if (ids.length > 0) add((eb) => eb('devices.system_id', '=', eb.fn.any(anyOf(ids))));

  const hostnames = listParam(params, 'hostname');
  if (hostnames.length > 0)
    add((eb) =>
      eb.or(
        hostnames.map((name) => {
          const dot = name.indexOf('.');
          if (dot < 0) return eb('devices.hostname', '=', name);
          return eb.and([
            eb('devices.hostname', '=', name.slice(0, dot)),
            eb(
              'devices.domain_id',
              'in',
              eb
                .selectFrom('domains')
                .select('id')
                .where('name', '=', name.slice(dot + 1)),
            ),
          ]);
        }),
      ),
    );

  const givenMacs = listParam(params, 'mac_address');
  const macs = givenMacs.flatMap((m) => normaliseMac(m) ?? []);
  for (const mac of givenMacs)
    if (!normaliseMac(mac)) problems['mac_address'] = `Invalid MAC address: '${mac}'.`;
  if (macs.length > 0)
    add((eb) =>
      eb(
        'devices.id',
        'in',
        eb
          .selectFrom('interfaces')
          .select('interfaces.device_id')
          .where(sql<SqlBool>`interfaces.mac_address = ANY(${sql.val(macs)}::macaddr[])`),
      ),
    );

  const byName = (
    param: string,
    table: 'domains' | 'zones',
    column: 'domain_id' | 'zone_id',
    negate: boolean,
  ) => {
    const values = listParam(params, param);
    if (values.length === 0) return;
    add((eb) => {
      const inSet = eb(
        `devices.${column}`,
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

  if (listParam(params, 'pool').length > 0) add((eb) => eb.val(false));
  if ((params['agent_name'] ?? []).some((name) => name !== '')) add((eb) => eb.val(false));

  const owners = listParam(params, 'owner');
  if (owners.length > 0)
    add((eb) =>
      eb(
        'devices.owner_id',
        'in',
        eb
          .selectFrom('users')
          .select('id')
          .where('username', '=', eb.fn.any(anyOf(owners))),
      ),
    );

  const tagged = (eb: DeviceEb, tag: string) =>
    eb.exists(
      eb
        .selectFrom('device_tags')
        .innerJoin('tags', 'tags.id', 'device_tags.tag_id')
        .select(sql`1`.as('one'))
        .whereRef('device_tags.device_id', '=', 'devices.id')
        .where('tags.name', '=', tag),
    );
  for (const tag of listParam(params, 'tags')) add((eb) => tagged(eb, tag));
  for (const tag of listParam(params, 'not_tags')) add((eb) => eb.not(tagged(eb, tag)));

  if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  return conditions;
}

/**
 * The devices `viewer` may see: administrators all; others their own and those nobody owns
 * (MAAS's node view filter: owner is null or the user).
 */
export function devicesVisibleTo(viewer: Pick<UserRow, 'id' | 'is_superuser'>): DeviceCondition | undefined {
  if (viewer.is_superuser) return undefined;
  return (eb) => eb.or([eb('devices.owner_id', 'is', null), eb('devices.owner_id', '=', viewer.id)]);
}
