import type { Kysely } from 'kysely';
import { AppError, cidrContains, formatIp, parseIp, type Ip } from '@ferrum/domain';
import type { Database, StaticRouteRow, SubnetRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import { FieldErrors } from './field-errors.js';
import { findSubnet, parseNetworkId } from './network-lookup.js';
import { lockSubnet } from './subnet-service.js';
import { subnetCidr } from './subnet-usage-source.js';
import { loadSubnetViews, subnetViewOf, type SubnetView } from './subnet-views.js';

/** Static route fields as a form sends them; undefined = not sent. */
export interface StaticRouteInput {
  readonly source?: string | undefined;
  readonly destination?: string | undefined;
  readonly gatewayIp?: string | undefined;
  readonly metric?: string | undefined;
}

export interface StaticRouteView {
  readonly route: StaticRouteRow;
  readonly source: SubnetView;
  readonly destination: SubnetView;
}

const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';
const NOT_FOUND = 'No StaticRoute matches the given query.';
/** Django's unique_together message for (source, destination, gateway_ip). */
const DUPLICATE = 'Static route with this Source, Destination and Gateway IP already exists.';
/** PositiveIntegerField's range (a PostgreSQL integer). */
const METRIC_MAX = 2147483647;

interface RouteValues {
  readonly source: SubnetRow;
  readonly destination: SubnetRow;
  readonly gateway: string;
  readonly metric: number;
}

/**
 * Static routes from one subnet to another through a gateway on the source subnet, which
 * deployed machines get (MAAS's StaticRoutesHandler). Writes hold the source subnet's row lock:
 * a route's gateway is an address a dynamic range created at the same moment must not cover.
 */
export class StaticRouteService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  async list(): Promise<StaticRouteView[]> {
    return this.views(await this.deps.db.selectFrom('static_routes').selectAll().orderBy('id').execute());
  }

  async get(key: string): Promise<StaticRouteView> {
    const [view] = await this.views([await this.find(key)]);
    if (!view) throw new AppError('not_found', NOT_FOUND);
    return view;
  }

  async create(input: StaticRouteInput, actor: string): Promise<StaticRouteView> {
    const values = await this.resolve(undefined, input);
    const id = await this.transaction(async (trx) => {
      await lockSubnet(trx, values.source.id);
      await checkDuplicate(trx, values, undefined);
      const row = await trx
        .insertInto('static_routes')
        .values({
          source_id: values.source.id,
          destination_id: values.destination.id,
          gateway_ip: values.gateway,
          metric: values.metric,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.audit(trx, actor, `Created static route ${describe(values)}.`);
      return row.id;
    });
    return this.get(String(id));
  }

  async update(key: string, input: StaticRouteInput, actor: string): Promise<StaticRouteView> {
    const target = await this.find(key);
    const values = await this.resolve(target, input);
    await this.transaction(async (trx) => {
      for (const id of [...new Set([target.source_id, values.source.id])].sort((a, b) => a - b))
        await lockSubnet(trx, id);
      await checkDuplicate(trx, values, target.id);
      const row = await trx
        .updateTable('static_routes')
        .set({
          source_id: values.source.id,
          destination_id: values.destination.id,
          gateway_ip: values.gateway,
          metric: values.metric,
          updated: new Date(),
        })
        .where('id', '=', target.id)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', NOT_FOUND);
      await this.audit(trx, actor, `Updated static route ${describe(values)}.`);
    });
    return this.get(String(target.id));
  }

  async delete(key: string, actor: string): Promise<void> {
    const target = await this.find(key);
    await this.deps.db.transaction().execute(async (trx) => {
      await lockSubnet(trx, target.source_id);
      const row = await trx
        .deleteFrom('static_routes')
        .where('id', '=', target.id)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', NOT_FOUND);
      const [view] = await this.views([target], trx);
      const label = view
        ? describe({
            source: view.source.subnet,
            destination: view.destination.subnet,
            gateway: target.gateway_ip,
          })
        : String(target.id);
      await this.audit(trx, actor, `Deleted static route ${label}.`);
    });
  }

  private async find(key: string): Promise<StaticRouteRow> {
    const id = parseNetworkId(key);
    const row =
      id === undefined
        ? undefined
        : await this.deps.db.selectFrom('static_routes').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', NOT_FOUND);
    return row;
  }

  /** StaticRouteForm and StaticRoute.clean, with their messages; unsent fields keep their values. */
  private async resolve(current: StaticRouteRow | undefined, input: StaticRouteInput): Promise<RouteValues> {
    const errors = new FieldErrors();
    const subnet = async (field: string, key: string | undefined, currentId: number | undefined) => {
      const text = key?.trim() ?? '';
      if (text === '') {
        if (currentId !== undefined) return findSubnet(this.deps.db, String(currentId));
        errors.add(field, 'This field is required.');
        return undefined;
      }
      const found = await findSubnet(this.deps.db, text).catch(() => undefined);
      if (!found) errors.add(field, INVALID_CHOICE);
      return found;
    };
    const source = await subnet('source', input.source, current?.source_id);
    const destination = await subnet('destination', input.destination, current?.destination_id);

    let gateway: Ip | undefined;
    const gatewayText = (input.gatewayIp ?? current?.gateway_ip ?? '').trim();
    if (gatewayText === '') errors.add('gateway_ip', 'This field is required.');
    else {
      gateway = parseIp(gatewayText);
      if (!gateway) errors.add('gateway_ip', 'Enter a valid IPv4 or IPv6 address.');
      else if (source && !cidrContains(subnetCidr(source), gateway))
        errors.add('gateway_ip', `Enter an IP address in ${source.cidr}.`);
    }

    let metric = current?.metric ?? 0;
    const metricText = input.metric?.trim() ?? '';
    if (metricText !== '') {
      if (!/^[+-]?\d+$/.test(metricText)) errors.add('metric', 'Enter a whole number.');
      else if (Number(metricText) < 0)
        errors.add('metric', 'Ensure this value is greater than or equal to 0.');
      else if (Number(metricText) > METRIC_MAX)
        errors.add('metric', `Ensure this value is less than or equal to ${METRIC_MAX}.`);
      else metric = Number(metricText);
    }
    errors.throwIfAny();
    if (!source || !destination || !gateway)
      throw new AppError('internal', 'static route resolved incompletely');
    if (source.id === destination.id)
      throw AppError.invalid({ __all__: 'source and destination cannot be the same subnet.' });
    if (subnetCidr(source).family !== subnetCidr(destination).family)
      throw AppError.invalid({ __all__: 'source and destination must be the same IP version.' });
    return { source, destination, gateway: formatIp(gateway), metric };
  }

  private async views(rows: readonly StaticRouteRow[], db = this.deps.db): Promise<StaticRouteView[]> {
    const subnets = await loadSubnetViews(
      db,
      rows.flatMap((r) => [r.source_id, r.destination_id]),
    );
    return rows.map((route) => ({
      route,
      source: subnetViewOf(subnets, route.source_id),
      destination: subnetViewOf(subnets, route.destination_id),
    }));
  }

  /** Runs `work` in a transaction; a route a concurrent request just added is Django's unique error. */
  private async transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction().execute(work);
    } catch (error) {
      if (isUniqueViolation(error, 'static_routes_unique')) throw AppError.invalid({ __all__: DUPLICATE });
      throw error;
    }
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
}

async function checkDuplicate(trx: Kysely<Database>, values: RouteValues, exceptId: number | undefined) {
  const row = await trx
    .selectFrom('static_routes')
    .select('id')
    .where('source_id', '=', values.source.id)
    .where('destination_id', '=', values.destination.id)
    .where('gateway_ip', '=', values.gateway)
    .where('id', '<>', exceptId ?? -1)
    .executeTakeFirst();
  if (row) throw AppError.invalid({ __all__: DUPLICATE });
}

function describe(route: { source: SubnetRow; destination: SubnetRow; gateway: string }): string {
  return `${route.source.cidr} -> ${route.destination.cidr} via ${route.gateway}`;
}
