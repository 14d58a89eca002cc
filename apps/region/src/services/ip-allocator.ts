import { sql, type Insertable, type Kysely } from 'kysely';
import {
  AppError,
  allocatableIntervals,
  cidrContains,
  formatCidr,
  formatIp,
  parseIp,
  usableInterval,
  type IpInterval,
} from '@ferrum/domain';
import type { Database, IpAddressesTable, SubnetRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { firstFreeAddress } from './free-address-walk.js';
import { lockSubnetWithLayout, type SubnetLayout } from './subnet-usage-source.js';

export interface AllocationRequest {
  readonly subnetId: number;
  /** A specific address (STICKY/USER_RESERVED requests); else the allocator picks. */
  readonly ip?: string | undefined;
}

/** How often `claim` picks again after the unique index refused its address. */
const CLAIM_ATTEMPTS = 5;

/** The unique index that makes one holder per assigned (AUTO, STICKY, USER_RESERVED) address. */
export const ASSIGNED_IP_INDEX = 'ip_addresses_assigned';

/** MAAS's StaticIPAddressExhaustion text (models/subnet.py get_next_ip_for_allocation). */
export function exhaustionMessage(cidr: string): string {
  return `No more IPs available in subnet: ${cidr}.`;
}

/** MAAS's StaticIPAddressUnavailable text for an address someone holds (404, as MAAS). */
export function inUseError(ip: string): AppError {
  return new AppError('not_found', `The IP address ${ip} is already in use.`);
}

function retryLater(): AppError {
  return new AppError('conflict', 'Concurrent allocations kept taking the address chosen; retry.', {
    retryAfterSeconds: 5,
  });
}

/**
 * Chooses free addresses of a subnet. Every choice is made holding the subnet's row lock, so
 * choices on one subnet, in any region process, are made one at a time and each sees the
 * addresses the previous ones committed; IP-range and subnet writes take a conflicting lock on
 * the same row. The unique index on assigned addresses is the safety net for writers that do
 * not come through here.
 */
export class IpAllocator {
  /** Per subnet, where this process looks for the next address (see `choose`). */
  private readonly nextFrom = new Map<number, bigint>();
  /** Per subnet, the end of the last work queued by `inTurn`. */
  private readonly turns = new Map<number, Promise<void>>();

  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  /**
   * Runs `work` (a transaction that picks on `subnetId`) when this process's previous such work
   * on the subnet has finished. The subnet's row lock already serialises pickers; queueing them
   * here first means they wait without holding a pooled connection each, so a burst on one subnet
   * cannot take every connection of the pool while they wait for the lock in turn.
   */
  async inTurn<T>(subnetId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(subnetId) ?? Promise.resolve();
    const mine = previous.then(work, work);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(subnetId, settled);
    try {
      return await mine;
    } finally {
      // The last in the queue leaves no entry behind.
      if (this.turns.get(subnetId) === settled) this.turns.delete(subnetId);
    }
  }

  /**
   * Picks (or checks) a free address of the subnet inside `trx`, holding the subnet's row lock
   * (SELECT … FOR NO KEY UPDATE on subnets: it conflicts with itself, with FOR UPDATE and with
   * UPDATE/DELETE of the row, but not with the key-share lock of a foreign key check, so
   * inserting an address of the subnet elsewhere does not queue behind it), and returns it. Does
   * not insert: the caller inserts its ip_addresses row in the same transaction (or uses
   * `claim`). Throws AppError 'unavailable' (503, MAAS's exhaustion message) when none is free,
   * and MAAS's errors for a requested address outside the subnet, in a dynamic range, or in use.
   */
  async pick(trx: Kysely<Database>, request: AllocationRequest): Promise<string> {
    return this.pickExcluding(trx, request, new Set());
  }

  /**
   * `pick` then `insert(ip)` (the caller's INSERT of its ip_addresses row) in a savepoint of
   * `trx`. Should the unique index on assigned addresses refuse the row (a writer that did not
   * take the subnet lock got there first), a picked address is picked again, a requested one is
   * MAAS's "already in use" (404); never a 500.
   */
  async claim<T>(
    trx: Kysely<Database>,
    request: AllocationRequest,
    insert: (ip: string) => Promise<T>,
  ): Promise<{ ip: string; result: T }> {
    const refused = new Set<string>();
    for (let attempt = 1; ; attempt += 1) {
      const ip = await this.pickExcluding(trx, request, refused);
      await sql`SAVEPOINT ferrum_ip_claim`.execute(trx);
      try {
        const result = await insert(ip);
        await sql`RELEASE SAVEPOINT ferrum_ip_claim`.execute(trx);
        return { ip, result };
      } catch (error) {
        await sql`ROLLBACK TO SAVEPOINT ferrum_ip_claim`.execute(trx);
        if (!isUniqueViolation(error, ASSIGNED_IP_INDEX)) throw error;
        if (request.ip !== undefined) throw inUseError(ip);
        if (attempt >= CLAIM_ATTEMPTS) throw retryLater();
        refused.add(ip);
      }
    }
  }

  /**
   * `pick` then insert `row` at the address, in `trx`, for callers whose whole write is the one
   * ip_addresses row: cheaper than `claim` (no savepoint; the insert skips a conflicting address
   * with ON CONFLICT DO NOTHING on the unique index, and the address is picked again).
   */
  async claimAddress(
    trx: Kysely<Database>,
    request: AllocationRequest,
    row: Omit<Insertable<IpAddressesTable>, 'ip' | 'subnet_id'>,
  ): Promise<{ ip: string; id: number; created: Date; updated: Date }> {
    const refused = new Set<string>();
    for (let attempt = 1; ; attempt += 1) {
      const ip = await this.pickExcluding(trx, request, refused);
      const inserted = await trx
        .insertInto('ip_addresses')
        .values({ ...row, ip, subnet_id: request.subnetId })
        .onConflict((oc) =>
          // The predicate of ip_addresses_assigned, as literals: PostgreSQL infers the partial
          // index from it only when it can prove the implication at planning time.
          oc
            .column('ip')
            .where(sql<boolean>`ip IS NOT NULL AND alloc_type IN (0, 1, 4)`)
            .doNothing(),
        )
        .returning(['id', 'created', 'updated'])
        .executeTakeFirst();
      if (inserted)
        return { ip, id: Number(inserted.id), created: inserted.created, updated: inserted.updated };
      if (request.ip !== undefined) throw inUseError(ip);
      if (attempt >= CLAIM_ATTEMPTS) throw retryLater();
      refused.add(ip);
    }
  }

  private async pickExcluding(
    trx: Kysely<Database>,
    request: AllocationRequest,
    exclude: ReadonlySet<string>,
  ): Promise<string> {
    const locked = await lockSubnetWithLayout(trx, request.subnetId);
    if (!locked) throw new AppError('not_found', 'No Subnet matches the given query.');
    const { subnet, layout } = locked;
    if (request.ip !== undefined) return this.check(trx, subnet, layout, request.ip);
    return this.choose(trx, subnet, layout, exclude);
  }

  /** A requested address, checked as MAAS's allocate_new and Subnet.validate_static_ip do. */
  private async check(
    trx: Kysely<Database>,
    subnet: SubnetRow,
    layout: SubnetLayout,
    text: string,
  ): Promise<string> {
    const ip = parseIp(text.trim());
    if (ip === undefined) throw AppError.invalid({ ip_address: 'Enter a valid IPv4 or IPv6 address.' });
    const canonical = formatIp(ip);
    // MAAS looks for a holder first: any address row but an observed (DISCOVERED) one, which a
    // reservation may take over; a reserved IP (a DHCP host entry for a MAC) holds it too.
    const holder = await sql<{ one: number }>`
      SELECT 1 AS one FROM ip_addresses WHERE ip = ${canonical}::inet AND alloc_type <> 6
      UNION ALL
      SELECT 1 FROM reserved_ips WHERE ip = ${canonical}::inet
      LIMIT 1`.execute(trx);
    if (holder.rows.length > 0) throw inUseError(canonical);
    const { cidr } = layout;
    if (!cidrContains(cidr, ip))
      throw new AppError('forbidden', `${canonical} is not within subnet CIDR: ${formatCidr(cidr)}`);
    const usable = usableInterval(cidr);
    if (usable === undefined || ip.value < usable.first || ip.value > usable.last)
      throw new AppError(
        'forbidden',
        `${canonical} is not a usable address of subnet ${formatCidr(cidr)}: it is its network or broadcast address.`,
      );
    const family = cidr.family;
    for (const range of layout.ranges) {
      if (ip.value < range.first || ip.value > range.last) continue;
      // On an unmanaged subnet reserved ranges are where addresses may go (maas-api.md §3.2).
      if (range.type === 'reserved' && !subnet.managed) continue;
      throw new AppError(
        'not_found',
        `${canonical} is within the ${range.type} range from ${formatIp({ family, value: range.first })} to ${formatIp({ family, value: range.last })}`,
      );
    }
    return canonical;
  }

  /**
   * The next free address after the last one this process handed out on the subnet, wrapping
   * round to the subnet's start (next-fit, as Kea's iterative allocator), within the
   * allocatable ranges. Not MAAS's choice (Subnet.get_next_ip_for_allocation: the first address
   * of the smallest free block), which must see every used address of the subnet on each
   * allocation: on a /16 holding 10,000 addresses that is 15–60 ms under the subnet's lock, at
   * most 20–60 allocations a second per subnet for all regions together (bench/ipam.mjs). Here
   * an allocation reads only the used addresses between the hint and the answer — usually none
   * — and a released address is reused once the others are, not at once (stale ARP and DNS
   * caches of the old holder have time to expire). The hint is per process and only a place to
   * start: every answer is checked against the table under the lock, so a stale hint (another
   * region allocated meanwhile, this one restarted) costs a longer walk, never a wrong answer.
   */
  private async choose(
    trx: Kysely<Database>,
    subnet: SubnetRow,
    layout: SubnetLayout,
    exclude: ReadonlySet<string>,
  ): Promise<string> {
    const family = layout.cidr.family;
    const excluded = new Set<bigint>();
    for (const text of exclude) {
      const ip = parseIp(text);
      if (ip !== undefined) excluded.add(ip.value);
    }
    const segments = allocatableIntervals(layout);
    const hint = this.nextFrom.get(subnet.id);
    const order: IpInterval[] = [];
    if (hint === undefined) order.push(...segments);
    else {
      for (const s of segments)
        if (s.last >= hint) order.push({ first: s.first > hint ? s.first : hint, last: s.last });
      for (const s of segments)
        if (s.first < hint) order.push({ first: s.first, last: s.last < hint ? s.last : hint - 1n });
    }
    for (const segment of order) {
      const value = await firstFreeAddress(trx, subnet.id, family, segment, excluded);
      if (value === undefined) continue;
      this.nextFrom.set(subnet.id, value + 1n);
      return formatIp({ family, value });
    }
    throw new AppError('unavailable', exhaustionMessage(formatCidr(layout.cidr)));
  }
}
