import { sql, type Kysely } from 'kysely';
import { AllocType, type Database } from '../db/schema.js';

/** Why an address looks leaked: nobody will ever release it on their own. */
export type LeakReason = 'owner_deleted' | 'interface_gone' | 'not_seen';

export interface SubnetAddressCounts {
  readonly subnet: { readonly id: number; readonly name: string; readonly cidr: string } | null;
  readonly total: number;
  /** alloc_type → how many. */
  readonly byAllocType: ReadonlyMap<number, number>;
  /** The owner's username (kept after the user is deleted) → how many. */
  readonly byOwner: readonly { readonly owner: string; readonly count: number }[];
  /** Machines and devices holding addresses here through their interfaces. */
  readonly byHolder: readonly {
    readonly systemId: string;
    readonly hostname: string;
    readonly nodeType: 'machine' | 'device';
    readonly count: number;
  }[];
}

export interface LeakCandidate {
  readonly reason: LeakReason;
  readonly id: number;
  readonly ip: string | null;
  readonly allocType: number;
  readonly subnetId: number | null;
  readonly cidr: string | null;
  readonly ownerUsername: string | null;
  readonly created: Date;
  readonly lastSeen: Date | null;
}

export interface AddressOverviewResult {
  readonly subnets: readonly SubnetAddressCounts[];
  readonly leakCandidates: readonly LeakCandidate[];
}

/**
 * Where the addresses are and who holds them, for administrators (a Ferrum extension,
 * `ipaddresses/?op=overview`): per subnet, counts by alloc type, owner and machine/device; and
 * the addresses nothing will release by itself — reservations of deleted users, AUTO/STICKY
 * addresses whose interface is gone, observed addresses not seen for `discoveredDays` days.
 * A handful of grouped queries, however many addresses there are.
 */
export class AddressOverview {
  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  async build(discoveredDays: number): Promise<AddressOverviewResult> {
    const { db } = this.deps;
    const [subnets, types, owners, holders, leaks] = await Promise.all([
      db
        .selectFrom('subnets')
        .select(['id', 'name', sql<string>`cidr::text`.as('cidr')])
        .orderBy('id')
        .execute(),
      sql<{ subnet_id: number | null; alloc_type: number; n: number }>`
        SELECT subnet_id, alloc_type, count(*)::int AS n FROM ip_addresses
        GROUP BY subnet_id, alloc_type`.execute(db),
      sql<{ subnet_id: number | null; owner: string; n: number }>`
        SELECT subnet_id, owner_username AS owner, count(*)::int AS n FROM ip_addresses
        WHERE owner_username IS NOT NULL GROUP BY subnet_id, owner_username
        ORDER BY owner_username`.execute(db),
      sql<{
        subnet_id: number | null;
        system_id: string;
        hostname: string;
        node_type: 'machine' | 'device';
        n: number;
      }>`
        SELECT a.subnet_id, coalesce(m.system_id, d.system_id) AS system_id,
               coalesce(m.hostname, d.hostname) AS hostname,
               CASE WHEN m.id IS NOT NULL THEN 'machine' ELSE 'device' END AS node_type,
               count(*)::int AS n
        FROM ip_addresses a
        JOIN interfaces i ON i.id = a.interface_id
        LEFT JOIN machines m ON m.id = i.machine_id
        LEFT JOIN devices d ON d.id = i.device_id
        GROUP BY a.subnet_id, m.id, d.id, m.system_id, d.system_id, m.hostname, d.hostname
        ORDER BY 3`.execute(db),
      sql<{
        reason: LeakReason;
        id: number;
        ip: string | null;
        alloc_type: number;
        subnet_id: number | null;
        cidr: string | null;
        owner_username: string | null;
        created: Date;
        last_seen: Date | null;
      }>`
        SELECT CASE
                 WHEN a.alloc_type = ${AllocType.userReserved} THEN 'owner_deleted'
                 WHEN a.alloc_type = ${AllocType.discovered} THEN 'not_seen'
                 ELSE 'interface_gone' END AS reason,
               a.id, host(a.ip) AS ip, a.alloc_type, a.subnet_id, s.cidr::text AS cidr,
               a.owner_username, a.created, a.last_seen
        FROM ip_addresses a LEFT JOIN subnets s ON s.id = a.subnet_id
        WHERE (a.alloc_type = ${AllocType.userReserved} AND a.owner_id IS NULL)
           OR (a.alloc_type IN (${AllocType.auto}, ${AllocType.sticky}) AND a.interface_id IS NULL)
           OR (a.alloc_type = ${AllocType.discovered}
               AND coalesce(a.last_seen, a.created) < now() - make_interval(days => ${discoveredDays}))
        ORDER BY 1, a.ip NULLS LAST, a.id`.execute(db),
    ]);
    const bySubnet = new Map<number | null, { total: number; types: Map<number, number> }>();
    const entry = (id: number | null) => {
      let e = bySubnet.get(id);
      if (!e) bySubnet.set(id, (e = { total: 0, types: new Map() }));
      return e;
    };
    for (const s of subnets) entry(s.id);
    for (const t of types.rows) {
      const e = entry(t.subnet_id);
      e.total += t.n;
      e.types.set(t.alloc_type, t.n);
    }
    const subnetById = new Map(subnets.map((s) => [s.id, s]));
    const result: SubnetAddressCounts[] = [];
    for (const [id, e] of bySubnet) {
      const subnet = id === null ? undefined : subnetById.get(id);
      // An address whose subnet went meanwhile (between the queries) is left out.
      if (id !== null && !subnet) continue;
      result.push({
        subnet: subnet ?? null,
        total: e.total,
        byAllocType: e.types,
        byOwner: owners.rows.filter((o) => o.subnet_id === id).map((o) => ({ owner: o.owner, count: o.n })),
        byHolder: holders.rows
          .filter((h) => h.subnet_id === id)
          .map((h) => ({ systemId: h.system_id, hostname: h.hostname, nodeType: h.node_type, count: h.n })),
      });
    }
    return {
      subnets: result,
      leakCandidates: leaks.rows.map((r) => ({
        reason: r.reason,
        id: r.id,
        ip: r.ip,
        allocType: r.alloc_type,
        subnetId: r.subnet_id,
        cidr: r.cidr,
        ownerUsername: r.owner_username,
        created: r.created,
        lastSeen: r.last_seen,
      })),
    };
  }
}
