import { sql, type Kysely } from 'kysely';
import { AppError, cidrContains, formatIp, normaliseMac, parseIp, type Ip } from '@ferrum/domain';
import { AllocType, type Database, type ReservedIpRow, type SubnetRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { bestSubnetForIp } from './best-subnet.js';
import type { EventService } from './event-service.js';
import { FieldErrors } from './field-errors.js';
import { findSubnet, parseNetworkId } from './network-lookup.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { lockSubnet } from './subnet-service.js';
import { subnetCidr } from './subnet-usage-source.js';
import { loadSubnetViews, subnetViewOf, type SubnetView } from './subnet-views.js';

/** Reserved IP fields as a form sends them; undefined = not sent. */
export interface ReservedIpInput {
  readonly ip?: string | undefined;
  readonly subnet?: string | undefined;
  readonly macAddress?: string | undefined;
  readonly comment?: string | undefined;
}

export interface ReservedIpView {
  readonly reservedIp: ReservedIpRow;
  readonly subnet: SubnetView;
}

const NOT_FOUND = 'No ReservedIP matches the given query.';
const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';
const IMMUTABLE =
  'The ip, mac_address and the subnet of a reserved IP are immutable. Delete the entry and recreate it.';
const IP_TAKEN = 'Reserved IP with this IP address already exists.';
const MAC_TAKEN = 'Reserved IP with this MAC address and Subnet already exists.';
const COMMENT_MAX = 255;

/**
 * Reserved IPs (MAAS 3.6's `reservedips/`): an address of a subnet kept out of allocation and,
 * with a MAC, handed to that MAC by DHCP (a host entry). Writes hold the subnet's row lock, as
 * the address allocator and IP-range writes do, so a reservation and an allocation of the same
 * address, or a dynamic range over it, cannot both succeed.
 */
export class ReservedIpService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  async list(): Promise<ReservedIpView[]> {
    return this.views(await this.deps.db.selectFrom('reserved_ips').selectAll().orderBy('id').execute());
  }

  async get(key: string): Promise<ReservedIpView> {
    const [view] = await this.views([await this.find(key)]);
    if (!view) throw new AppError('not_found', NOT_FOUND);
    return view;
  }

  async create(input: ReservedIpInput, actor: string): Promise<ReservedIpView> {
    const errors = new FieldErrors();
    const { ip, mac, comment } = checkFields(errors, input);
    const subnet = ip ? await this.subnetOf(errors, ip, input.subnet) : undefined;
    errors.throwIfAny();
    if (!ip || !subnet) throw new AppError('internal', 'reserved IP resolved incompletely');
    const text = formatIp(ip);
    const id = await this.transaction(async (trx) => {
      const locked = await lockSubnet(trx, subnet.id);
      await checkPlace(trx, locked, ip, mac);
      const row = await trx
        .insertInto('reserved_ips')
        .values({ subnet_id: locked.id, ip: text, mac_address: mac ?? null, comment: comment ?? '' })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.emit(trx, hostChanges('upsert', locked, row));
      await this.audit(trx, actor, `Created reserved IP ${describe(row)}.`);
      return row.id;
    });
    return this.get(String(id));
  }

  /** Only the comment may change, as in MAAS; the ip, MAC and subnet are fixed once made. */
  async update(key: string, input: ReservedIpInput, actor: string): Promise<ReservedIpView> {
    const target = await this.find(key);
    const errors = new FieldErrors();
    const comment = checkComment(errors, input.comment);
    errors.throwIfAny();
    if (await this.changesIdentity(target, input)) throw AppError.invalid({ __all__: IMMUTABLE });
    await this.deps.db.transaction().execute(async (trx) => {
      const subnet = await lockSubnet(trx, target.subnet_id);
      const row = await trx
        .updateTable('reserved_ips')
        .set({ ...(comment !== undefined ? { comment } : {}), updated: new Date() })
        .where('id', '=', target.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', NOT_FOUND);
      await this.emit(trx, hostChanges('upsert', subnet, row));
      await this.audit(trx, actor, `Updated reserved IP ${describe(row)}.`);
    });
    return this.get(String(target.id));
  }

  async delete(key: string, actor: string): Promise<void> {
    const target = await this.find(key);
    await this.deps.db.transaction().execute(async (trx) => {
      const subnet = await lockSubnet(trx, target.subnet_id);
      const row = await trx
        .deleteFrom('reserved_ips')
        .where('id', '=', target.id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', NOT_FOUND);
      await this.emit(trx, hostChanges('remove', subnet, row));
      await this.audit(trx, actor, `Deleted reserved IP ${describe(row)}.`);
    });
  }

  private async find(key: string): Promise<ReservedIpRow> {
    const id = parseNetworkId(key);
    const row =
      id === undefined
        ? undefined
        : await this.deps.db.selectFrom('reserved_ips').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', NOT_FOUND);
    return row;
  }

  /** Whether an update names another ip, MAC or subnet than the reservation has. */
  private async changesIdentity(current: ReservedIpRow, input: ReservedIpInput): Promise<boolean> {
    if (input.ip !== undefined) {
      const ip = parseIp(input.ip.trim());
      if (!ip || formatIp(ip) !== hostOf(current.ip)) return true;
    }
    if (input.macAddress !== undefined) {
      const text = input.macAddress.trim();
      if ((text === '' ? null : (normaliseMac(text) ?? text)) !== current.mac_address) return true;
    }
    if (input.subnet !== undefined && input.subnet.trim() !== '') {
      const subnet = await findSubnet(this.deps.db, input.subnet.trim()).catch(() => undefined);
      if (subnet?.id !== current.subnet_id) return true;
    }
    return false;
  }

  /** The subnet named (id, CIDR or name), or the one the address belongs to (ReservedIPForm). */
  private async subnetOf(
    errors: FieldErrors,
    ip: Ip,
    key: string | undefined,
  ): Promise<SubnetRow | undefined> {
    const text = key?.trim() ?? '';
    let subnet: SubnetRow | undefined;
    if (text !== '') {
      subnet = await findSubnet(this.deps.db, text).catch(() => undefined);
      if (!subnet) errors.add('subnet', INVALID_CHOICE);
      return subnet;
    }
    subnet = await bestSubnetForIp(this.deps.db, ip);
    if (!subnet)
      errors.add('subnet', `There is no subnet for ${formatIp(ip)}. Create the subnet and try again.`);
    return subnet;
  }

  private async views(rows: readonly ReservedIpRow[]): Promise<ReservedIpView[]> {
    const subnets = await loadSubnetViews(
      this.deps.db,
      rows.map((r) => r.subnet_id),
    );
    return rows.map((reservedIp) => ({ reservedIp, subnet: subnetViewOf(subnets, reservedIp.subnet_id) }));
  }

  /** Runs `work` in a transaction; a duplicate a concurrent request just made is Django's unique error. */
  private async transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction().execute(work);
    } catch (error) {
      if (isUniqueViolation(error, 'reserved_ips_ip')) throw AppError.invalid({ ip: IP_TAKEN });
      if (isUniqueViolation(error, 'reserved_ips_subnet_mac')) throw AppError.invalid({ __all__: MAC_TAKEN });
      throw error;
    }
  }

  private async emit(trx: Kysely<Database>, changes: readonly NetworkChange[]): Promise<void> {
    await this.deps.networkChanges.emit(trx, changes);
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
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

/** The form's own fields: ip (required), mac_address (optional in Ferrum) and comment. */
function checkFields(
  errors: FieldErrors,
  input: ReservedIpInput,
): { ip: Ip | undefined; mac: string | undefined; comment: string | undefined } {
  const ipText = input.ip?.trim() ?? '';
  let ip: Ip | undefined;
  if (ipText === '') errors.add('ip', 'This field is required.');
  else {
    ip = parseIp(ipText);
    if (!ip) errors.add('ip', 'Enter a valid IPv4 or IPv6 address.');
  }
  const macText = input.macAddress?.trim() ?? '';
  let mac: string | undefined;
  if (macText !== '') {
    mac = normaliseMac(macText);
    if (!mac) errors.add('mac_address', `'${macText}' is not a valid MAC address.`);
  }
  return { ip, mac, comment: checkComment(errors, input.comment) };
}

/**
 * ReservedIPForm's checks of the address against its subnet and what already uses it, with its
 * messages, under the subnet's lock: inside the subnet, not its network or last (broadcast)
 * address, outside every dynamic range, not reserved already, and not assigned to another MAC.
 */
async function checkPlace(
  trx: Kysely<Database>,
  subnet: SubnetRow,
  ip: Ip,
  mac: string | undefined,
): Promise<void> {
  const text = formatIp(ip);
  const cidr = subnetCidr(subnet);
  if (!cidrContains(cidr, ip)) throw AppError.invalid({ ip: `${text} is not part of the subnet.` });
  // MAAS compares with Python's network_address and broadcast_address, which IPv6 networks have too.
  if (ip.value === cidr.network)
    throw AppError.invalid({ ip: 'The network address cannot be a reserved IP.' });
  if (ip.value === cidr.last)
    throw AppError.invalid({ ip: 'The broadcast address cannot be a reserved IP.' });
  const dynamic = await trx
    .selectFrom('ip_ranges')
    .select([sql<string>`host(start_ip)`.as('start'), sql<string>`host(end_ip)`.as('end')])
    .where('subnet_id', '=', subnet.id)
    .where('type', '=', 'dynamic')
    .where(sql<boolean>`${text}::inet BETWEEN start_ip AND end_ip`)
    .executeTakeFirst();
  if (dynamic) {
    throw AppError.invalid({
      ip: `The reserved IP ${text} must be outside the dynamic range ${dynamic.start} - ${dynamic.end}.`,
    });
  }
  const reserved = await trx
    .selectFrom('reserved_ips')
    .select('mac_address')
    .where('ip', '=', text)
    .executeTakeFirst();
  if (reserved) throw AppError.invalid({ ip: IP_TAKEN });
  if (mac !== undefined) {
    const sameMac = await trx
      .selectFrom('reserved_ips')
      .select('id')
      .where('subnet_id', '=', subnet.id)
      .where('mac_address', '=', mac)
      .executeTakeFirst();
    if (sameMac) throw AppError.invalid({ __all__: MAC_TAKEN });
  }
  // An address someone holds may be reserved only for the MAC that holds it (clean_ip).
  const holders = await sql<{ mac: string | null }>`
    SELECT coalesce(a.mac_address, i.mac_address)::text AS mac
    FROM ip_addresses a LEFT JOIN interfaces i ON i.id = a.interface_id
    WHERE a.ip = ${text}::inet AND a.alloc_type IN (${AllocType.auto}, ${AllocType.sticky}, ${AllocType.userReserved})`.execute(
    trx,
  );
  if (holders.rows.some((h) => mac === undefined || h.mac !== mac)) {
    throw AppError.invalid({ ip: `The ip ${text} is already in use by another machine.` });
  }
}

/** A reserved IP with a MAC is a DHCP host entry of its subnet's VLAN. */
function hostChanges(action: 'upsert' | 'remove', subnet: SubnetRow, row: ReservedIpRow): NetworkChange[] {
  if (row.mac_address === null) return [];
  return [
    {
      kind: 'dhcp.host',
      action,
      subnetId: subnet.id,
      vlanId: subnet.vlan_id,
      ip: hostOf(row.ip),
      mac: row.mac_address,
      hostname: null,
    },
  ];
}

const hostOf = (text: string): string => text.split('/')[0] ?? text;

function describe(row: ReservedIpRow): string {
  return row.mac_address === null ? hostOf(row.ip) : `${hostOf(row.ip)} for ${row.mac_address}`;
}
