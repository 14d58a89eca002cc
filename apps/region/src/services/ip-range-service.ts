import type { Kysely } from 'kysely';
import { AppError, checkIpRange, formatIp, parseIp } from '@ferrum/domain';
import type { Database, IpRangeRow, SubnetRow, UserRow } from '../db/schema.js';
import { bestSubnetForIp } from './best-subnet.js';
import type { EventService } from './event-service.js';
import { FieldErrors } from './field-errors.js';
import { loadIpRangeContext } from './ip-range-context.js';
import { findSubnet, parseNetworkId } from './network-lookup.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { lockSubnet, subnetLabel } from './subnet-service.js';
import { loadSubnetViews, subnetViewOf, type SubnetView } from './subnet-views.js';

/** IP range fields as a form sends them; undefined = not sent. */
export interface IpRangeInput {
  readonly type?: string | undefined;
  readonly startIp?: string | undefined;
  readonly endIp?: string | undefined;
  readonly subnet?: string | undefined;
  readonly comment?: string | undefined;
}

/** A range with what its JSON nests: its subnet and the user who made it. */
export interface IpRangeView {
  readonly range: IpRangeRow;
  readonly subnet: SubnetView;
  readonly user: UserRow | null;
}

const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';
const INVALID_IP = 'Enter a valid IPv4 or IPv6 address.';
const COMMENT_MAX = 255;
const NOT_FOUND = 'No IPRange matches the given query.';

/**
 * IP ranges of subnets (dynamic: the DHCP pool; reserved: never handed out), as MAAS's
 * IPRangesHandler. Everyone sees every range; admins create dynamic ones; a range is changed or
 * deleted by its creator or an admin. Every check and write holds the subnet's row lock, which
 * the address allocator takes too, so two ranges (or a range and an allocation) cannot overlap.
 */
export class IpRangeService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  async list(): Promise<IpRangeView[]> {
    const rows = await this.deps.db.selectFrom('ip_ranges').selectAll().orderBy('id').execute();
    return this.views(this.deps.db, rows);
  }

  async get(key: string): Promise<IpRangeView> {
    const [view] = await this.views(this.deps.db, [await this.find(key)]);
    if (!view) throw new AppError('not_found', NOT_FOUND);
    return view;
  }

  async create(user: UserRow, input: IpRangeInput): Promise<IpRangeView> {
    if (input.type === 'dynamic' && !user.is_superuser)
      throw new AppError(
        'forbidden',
        "Unable to create dynamic IP range. You don't have sufficient privileges.",
      );
    const errors = new FieldErrors();
    const comment = checkComment(errors, input.comment);
    const subnet = await this.subnetOf(errors, input);
    if (!subnet) {
      checkFormats(errors, input);
      if (!errors.has('subnet')) errors.add('subnet', 'This field is required.');
      throw AppError.invalid(errors.byField);
    }
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const locked = await lockSubnet(trx, subnet.id);
      const type = input.type ?? '';
      const startIp = input.startIp ?? '';
      const endIp = input.endIp ?? '';
      errors.addAll(
        checkIpRange({ ...(await loadIpRangeContext(trx, locked, undefined)), type, startIp, endIp }),
      );
      errors.throwIfAny();
      const row = await trx
        .insertInto('ip_ranges')
        .values({
          subnet_id: locked.id,
          type,
          start_ip: canonical(startIp),
          end_ip: canonical(endIp),
          comment: comment ?? '',
          user_id: user.id,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (row.type === 'dynamic') await this.emit(trx, [dhcpOf(locked)]);
      await this.audit(
        trx,
        user.username,
        `Created ${describeRange(row)} on subnet '${subnetLabel(locked)}'.`,
      );
      return row.id;
    });
    return this.get(String(id));
  }

  async update(user: UserRow, key: string, input: IpRangeInput): Promise<IpRangeView> {
    const target = await this.find(key);
    checkOwner(user, target);
    if (input.type === 'dynamic' && target.type !== 'dynamic' && !user.is_superuser)
      throw new AppError(
        'forbidden',
        "Unable to create dynamic IP range. You don't have sufficient privileges.",
      );
    const errors = new FieldErrors();
    const comment = checkComment(errors, input.comment);
    const moveTo =
      input.subnet === undefined || input.subnet.trim() === ''
        ? undefined
        : await this.subnetOf(errors, input);
    errors.throwIfAny();
    await this.deps.db.transaction().execute(async (trx) => {
      // Both subnets of a move, in id order, as every writer locks them.
      const ids = [...new Set([target.subnet_id, moveTo?.id ?? target.subnet_id])].sort((a, b) => a - b);
      const locked = new Map<number, SubnetRow>();
      for (const id of ids) locked.set(id, await lockSubnet(trx, id));
      const current = await trx
        .selectFrom('ip_ranges')
        .selectAll()
        .where('id', '=', target.id)
        .forUpdate()
        .executeTakeFirst();
      if (!current || current.subnet_id !== target.subnet_id) throw new AppError('not_found', NOT_FOUND);
      const subnet = locked.get(moveTo?.id ?? current.subnet_id);
      if (!subnet) throw new AppError('not_found', 'No Subnet matches the given query.');
      const type = input.type ?? current.type;
      const startIp = input.startIp ?? current.start_ip;
      const endIp = input.endIp ?? current.end_ip;
      const previous = subnet.id === current.subnet_id ? rangeValues(current) : undefined;
      const context = await loadIpRangeContext(trx, subnet, current.id);
      errors.addAll(checkIpRange({ ...context, type, startIp, endIp, previous }));
      errors.throwIfAny();
      const row = await trx
        .updateTable('ip_ranges')
        .set({
          subnet_id: subnet.id,
          type,
          start_ip: canonical(startIp),
          end_ip: canonical(endIp),
          ...(comment !== undefined ? { comment } : {}),
          updated: new Date(),
        })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const changes: NetworkChange[] = [];
      if (current.type === 'dynamic' || row.type === 'dynamic') {
        for (const s of locked.values()) changes.push(dhcpOf(s));
      }
      await this.emit(trx, changes);
      await this.audit(
        trx,
        user.username,
        `Updated ${describeRange(row)} on subnet '${subnetLabel(subnet)}'.`,
      );
    });
    return this.get(String(target.id));
  }

  async delete(user: UserRow, key: string): Promise<void> {
    const target = await this.find(key);
    checkOwner(user, target);
    await this.deps.db.transaction().execute(async (trx) => {
      const subnet = await lockSubnet(trx, target.subnet_id);
      const row = await trx
        .deleteFrom('ip_ranges')
        .where('id', '=', target.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', NOT_FOUND);
      if (row.type === 'dynamic') await this.emit(trx, [dhcpOf(subnet)]);
      await this.audit(
        trx,
        user.username,
        `Deleted ${describeRange(row)} on subnet '${subnetLabel(subnet)}'.`,
      );
    });
  }

  private async find(key: string): Promise<IpRangeRow> {
    const id = parseNetworkId(key);
    const row =
      id === undefined
        ? undefined
        : await this.deps.db.selectFrom('ip_ranges').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', NOT_FOUND);
    return row;
  }

  /**
   * The subnet named by `subnet` (id, CIDR or name), or, when none is named, the one the start
   * address belongs to, as IPRangeForm picks it. Undefined (with a form error) when there is none.
   */
  private async subnetOf(errors: FieldErrors, input: IpRangeInput): Promise<SubnetRow | undefined> {
    const key = input.subnet?.trim() ?? '';
    if (key !== '') {
      const subnet = await findSubnet(this.deps.db, key).catch(() => undefined);
      if (!subnet) errors.add('subnet', INVALID_CHOICE);
      return subnet;
    }
    const start = parseIp(input.startIp?.trim() ?? '');
    return start === undefined ? undefined : bestSubnetForIp(this.deps.db, start);
  }

  private async views(db: Kysely<Database>, rows: readonly IpRangeRow[]): Promise<IpRangeView[]> {
    const subnets = await loadSubnetViews(
      db,
      rows.map((r) => r.subnet_id),
    );
    const userIds = [...new Set(rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id])))];
    const users =
      userIds.length === 0
        ? []
        : await db.selectFrom('users').selectAll().where('id', 'in', userIds).execute();
    const byId = new Map(users.map((u) => [u.id, u]));
    return rows.map((range) => ({
      range,
      subnet: subnetViewOf(subnets, range.subnet_id),
      user: range.user_id === null ? null : (byId.get(range.user_id) ?? null),
    }));
  }

  private async emit(trx: Kysely<Database>, changes: readonly NetworkChange[]): Promise<void> {
    await this.deps.networkChanges.emit(trx, changes);
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
}

/** MAAS's raise_error_if_not_owner: only the creator or an admin changes or deletes a range. */
function checkOwner(user: UserRow, range: IpRangeRow): void {
  if (!user.is_superuser && range.user_id !== user.id)
    throw new AppError('forbidden', "Unable to modify IP range. You don't own the IP range.");
}

function checkComment(errors: FieldErrors, text: string | undefined): string | undefined {
  const comment = text?.trim();
  if (comment !== undefined && comment.length > COMMENT_MAX)
    errors.add(
      'comment',
      `Ensure this value has at most ${COMMENT_MAX} characters (it has ${comment.length}).`,
    );
  return comment;
}

/** The field errors checkIpRange would give that need no subnet (for a request naming none). */
function checkFormats(errors: FieldErrors, input: IpRangeInput): void {
  const type = input.type ?? '';
  if (type === '') errors.add('type', 'This field is required.');
  else if (type !== 'dynamic' && type !== 'reserved')
    errors.add('type', `Select a valid choice. ${type} is not one of the available choices.`);
  for (const [field, value] of [
    ['start_ip', input.startIp],
    ['end_ip', input.endIp],
  ] as const) {
    const text = value?.trim() ?? '';
    if (text === '') errors.add(field, 'This field is required.');
    else if (parseIp(text) === undefined) errors.add(field, INVALID_IP);
  }
}

/** An address as stored: canonical text (checkIpRange has parsed it already). */
function canonical(text: string): string {
  const ip = parseIp(text.trim().split('/')[0] ?? '');
  if (!ip) throw new AppError('internal', `unchecked address ${text}`);
  return formatIp(ip);
}

function rangeValues(range: IpRangeRow): { type: string; first: bigint; last: bigint } | undefined {
  const first = parseIp(range.start_ip.split('/')[0] ?? '');
  const last = parseIp(range.end_ip.split('/')[0] ?? '');
  return first && last ? { type: range.type, first: first.value, last: last.value } : undefined;
}

function dhcpOf(subnet: SubnetRow): NetworkChange {
  return { kind: 'dhcp.subnet', subnetId: subnet.id, vlanId: subnet.vlan_id };
}

function describeRange(range: IpRangeRow): string {
  return `${range.type} IP range ${range.start_ip}-${range.end_ip}`;
}
