import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import { AllocType, type Database, type SubnetRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import { releaseChanges } from './ip-address-changes.js';
import { findSubnet } from './network-lookup.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { checkCidrChange, relinkObservedAddresses } from './subnet-cidr-change.js';
import { resolveSubnetValues, type SubnetInput, type SubnetValues } from './subnet-values.js';
import { loadSubnetView, loadSubnetViews, type SubnetView } from './subnet-views.js';

export type { SubnetInput, SubnetView };

/** Django's unique check on Subnet.cidr. */
const CIDR_TAKEN = 'Subnet with this Cidr already exists.';

/**
 * Serialises the writes that choose a subnet's CIDR (creates and CIDR changes), in every region
 * process, so that the no-overlap check of one always sees the subnets the others committed.
 */
const CIDR_LOCK = sql`pg_advisory_xact_lock(hashtext('ferrum.subnet-cidrs'))`;

/** What a rack's DHCP server builds a subnet's configuration from. */
const dhcpColumns = ['cidr', 'gateway_ip', 'managed', 'vlan_id'] as const;
/** What a subnet's reverse DNS zone depends on. */
const dnsColumns = ['cidr', 'rdns_mode', 'allow_dns'] as const;

/** MAAS's Subnet.label: the name, followed by the CIDR when the name does not hold it. */
export function subnetLabel(subnet: Pick<SubnetRow, 'name' | 'cidr'>): string {
  return subnet.name.includes(subnet.cidr) ? subnet.name : `${subnet.name} (${subnet.cidr})`;
}

/** Subnets: listed, created, changed (CIDR and VLAN included) and deleted, as MAAS's SubnetsHandler. */
export class SubnetService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  async list(): Promise<SubnetView[]> {
    const ids = await this.deps.db.selectFrom('subnets').select('id').orderBy('id').execute();
    const views = await loadSubnetViews(
      this.deps.db,
      ids.map((r) => r.id),
    );
    return ids.flatMap((r) => views.get(r.id) ?? []);
  }

  /** By id, CIDR or name (also `id:`, `cidr:`, `name:`), as `subnets/{id}/` takes it. */
  async get(key: string): Promise<SubnetView> {
    return loadSubnetView(this.deps.db, (await this.find(key)).id);
  }

  async create(input: SubnetInput, actor: string): Promise<SubnetView> {
    const values = await resolveSubnetValues(this.deps.db, undefined, input);
    const id = await this.transaction(async (trx) => {
      await sql`SELECT ${CIDR_LOCK}`.execute(trx);
      await checkOverlap(trx, values.cidr, undefined);
      const { parsedCidr: _parsed, ...columns } = values;
      const row = await trx.insertInto('subnets').values(columns).returningAll().executeTakeFirstOrThrow();
      await relinkObservedAddresses(trx, row.id, row.cidr);
      await this.emit(trx, [
        { kind: 'dhcp.subnet', subnetId: row.id, vlanId: row.vlan_id },
        { kind: 'dns.subnet', subnetId: row.id },
      ]);
      await this.audit(trx, actor, `Created subnet '${subnetLabel(row)}'.`);
      return row.id;
    });
    return loadSubnetView(this.deps.db, id);
  }

  async update(key: string, input: SubnetInput, actor: string): Promise<SubnetView> {
    const target = await this.find(key);
    await this.transaction(async (trx) => {
      // The CIDR lock before the row lock, in every writer, so the two cannot deadlock.
      if (input.cidr !== undefined) await sql`SELECT ${CIDR_LOCK}`.execute(trx);
      const current = await lockSubnet(trx, target.id);
      const values = await resolveSubnetValues(trx, current, input);
      if (values.cidr !== current.cidr) {
        await checkOverlap(trx, values.cidr, current.id);
        await checkCidrChange(trx, current.id, values.cidr);
      }
      const { parsedCidr: _parsed, ...columns } = values;
      await trx
        .updateTable('subnets')
        .set({ ...columns, updated: new Date() })
        .where('id', '=', current.id)
        .execute();
      if (values.cidr !== current.cidr) await relinkObservedAddresses(trx, current.id, values.cidr);
      await this.emit(trx, updateChanges(current, values));
      await this.audit(trx, actor, `Updated subnet '${subnetLabel(values)}'.`);
    });
    return loadSubnetView(this.deps.db, target.id);
  }

  /**
   * Deletes a subnet as MAAS's Subnet.delete: not while its VLAN serves DHCP from one of its
   * dynamic ranges, nor (without `force`) while nodes' interfaces hold addresses of it. Its
   * ranges, routes, reserved IPs and addresses go with it.
   */
  async delete(key: string, options: { force: boolean }, actor: string): Promise<void> {
    const target = await this.find(key);
    await this.transaction(async (trx) => {
      const current = await lockSubnet(trx, target.id);
      const vlan = await trx
        .selectFrom('vlans')
        .select('dhcp_on')
        .where('id', '=', current.vlan_id)
        .executeTakeFirst();
      const dynamic = await trx
        .selectFrom('ip_ranges')
        .select('id')
        .where('subnet_id', '=', current.id)
        .where('type', '=', 'dynamic')
        .limit(1)
        .executeTakeFirst();
      if (vlan?.dhcp_on === true && dynamic) {
        throw new AppError(
          'validation_failed',
          'Cannot delete a subnet that is actively servicing a dynamic IP range. (Delete the dynamic range or disable DHCP first.)',
        );
      }
      if (!options.force && (await hasAddressesInUse(trx, current.id))) {
        throw new AppError(
          'validation_failed',
          "Cannot delete a subnet that has IP addresses in use by nodes. (Use the 'force' parameter to override.)",
        );
      }
      const changes = await removalChanges(trx, current);
      await trx.deleteFrom('subnets').where('id', '=', current.id).execute();
      await this.emit(trx, changes);
      await this.audit(trx, actor, `Deleted subnet '${subnetLabel(current)}'.`);
    });
  }

  /** The subnet a URL names; a name with a `/` that is no CIDR is still found by name, as in MAAS. */
  private async find(key: string): Promise<SubnetRow> {
    try {
      return await findSubnet(this.deps.db, key);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found' && key.includes('/') && !key.includes(':'))
        return findSubnet(this.deps.db, `name:${key}`);
      throw error;
    }
  }

  /** Runs `work` in a transaction; a CIDR taken by a concurrent create is Django's unique error. */
  private async transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction().execute(work);
    } catch (error) {
      if (isUniqueViolation(error, 'subnets_cidr')) throw AppError.invalid({ cidr: CIDR_TAKEN });
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

/** The subnet's row, locked for the transaction (ranges and the allocator wait); 404 when gone. */
export async function lockSubnet(trx: Kysely<Database>, id: number): Promise<SubnetRow> {
  const row = await trx.selectFrom('subnets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found', 'No Subnet matches the given query.');
  return row;
}

/**
 * MAAS's Subnet.validate_cidr: no subnet may overlap another, on any VLAN or fabric. A subnet
 * with the very same CIDR also fails Django's unique check, and MAAS reports both.
 */
async function checkOverlap(
  trx: Kysely<Database>,
  cidr: string,
  exceptId: number | undefined,
): Promise<void> {
  const rows = await sql<{ same: boolean }>`
    SELECT cidr = ${cidr}::cidr AS same FROM subnets
    WHERE (cidr >>= ${cidr}::cidr OR cidr <<= ${cidr}::cidr) AND id <> ${exceptId ?? -1}`.execute(trx);
  if (rows.rows.length === 0) return;
  throw AppError.invalid({
    ...(rows.rows.some((r) => r.same) ? { cidr: CIDR_TAKEN } : {}),
    __all__: `Subnet ${cidr} would overlap with existing subnets.`,
  });
}

/** Subnet.delete's guard: an address a node's interface holds (not observed, not a DHCP lease). */
async function hasAddressesInUse(trx: Kysely<Database>, subnetId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('ip_addresses')
    .select('id')
    .where('subnet_id', '=', subnetId)
    .where('alloc_type', 'not in', [AllocType.discovered, AllocType.dhcp])
    .where('ip', 'is not', null)
    .where('interface_id', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * What deleting the subnet takes away from DHCP and DNS: the subnet itself, and the host entries
 * and records of the addresses and reserved IPs that go with it.
 */
async function removalChanges(trx: Kysely<Database>, subnet: SubnetRow): Promise<NetworkChange[]> {
  const changes: NetworkChange[] = [
    { kind: 'dhcp.subnet', subnetId: subnet.id, vlanId: subnet.vlan_id },
    { kind: 'dns.subnet', subnetId: subnet.id },
  ];
  const addresses = await trx
    .selectFrom('ip_addresses')
    .select([
      'id',
      sql<string>`host(ip)`.as('ip'),
      'alloc_type',
      'subnet_id',
      'interface_id',
      'mac_address',
      'hostname',
    ])
    .where('subnet_id', '=', subnet.id)
    .where('ip', 'is not', null)
    .where('alloc_type', 'in', [AllocType.auto, AllocType.sticky, AllocType.userReserved])
    .execute();
  for (const address of addresses)
    changes.push(...(await releaseChanges(trx, { ...address, id: Number(address.id) })));
  const reserved = await trx
    .selectFrom('reserved_ips')
    .select([sql<string>`host(ip)`.as('ip'), sql<string>`mac_address::text`.as('mac')])
    .where('subnet_id', '=', subnet.id)
    .where('mac_address', 'is not', null)
    .execute();
  for (const r of reserved) {
    changes.push({
      kind: 'dhcp.host',
      action: 'remove',
      subnetId: subnet.id,
      vlanId: subnet.vlan_id,
      ip: r.ip,
      mac: r.mac,
      hostname: null,
    });
  }
  return changes;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** The network changes of an update from `current` to `next` (for a VLAN move, both VLANs hear). */
function updateChanges(current: SubnetRow, next: SubnetValues): NetworkChange[] {
  const changes: NetworkChange[] = [];
  const dhcp =
    dhcpColumns.some((c) => current[c] !== next[c]) ||
    !sameList(current.dns_servers, next.dns_servers) ||
    !sameList(current.disabled_boot_architectures, next.disabled_boot_architectures);
  if (dhcp) changes.push({ kind: 'dhcp.subnet', subnetId: current.id, vlanId: next.vlan_id });
  if (current.vlan_id !== next.vlan_id)
    changes.push({ kind: 'dhcp.subnet', subnetId: current.id, vlanId: current.vlan_id });
  if (dnsColumns.some((c) => current[c] !== next[c]))
    changes.push({ kind: 'dns.subnet', subnetId: current.id });
  return changes;
}
