import { sql, type Kysely } from 'kysely';
import { AppError, formatIp, hostnameError, normaliseMac, parseIp, splitFqdn } from '@ferrum/domain';
import { AllocType, type Database, type SubnetRow, type UserRow } from '../db/schema.js';
import type { IpAllocator } from './ip-allocator.js';
import { loadIpAddressViews, type IpAddressView } from './ip-address-views.js';
import { findSubnet } from './network-lookup.js';
import { loadVlanView } from './vlan-views.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { defaultDomainName, ipBasedFqdn, releaseChanges } from './ip-address-changes.js';

export type { IpAddressView };

const INVALID_IP = 'Enter a valid IPv4 or IPv6 address.';

/** `ipaddresses/` read filters, as the API takes them. */
export interface IpAddressFilter {
  readonly all: boolean;
  readonly ip?: string | undefined;
  readonly owner?: string | undefined;
}

/** `ipaddresses/?op=reserve` parameters (`ip_address` is MAAS's deprecated alias of `ip`). */
export interface ReserveInput {
  readonly subnet?: string | undefined;
  readonly ip?: string | undefined;
  readonly hostname?: string | undefined;
  readonly mac?: string | undefined;
}

export interface ReleaseInput {
  readonly ip: string;
  readonly force: boolean;
  readonly discovered: boolean;
}

/**
 * Addresses users reserve for use outside of Ferrum (USER_RESERVED), as MAAS's
 * IPAddressesHandler: listed, reserved (optionally for a MAC: a DHCP host entry; with a
 * hostname: a DNS record) and released. Every reservation is chosen by the allocator under the
 * subnet's lock and its DHCP/DNS changes are written in the same transaction.
 */
export class IpAddressService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly allocator: IpAllocator;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  /** MAAS's IPAddressesHandler.read: the viewer's reservations; admins may ask for all or another owner's. */
  async list(viewer: UserRow, filter: IpAddressFilter): Promise<IpAddressView[]> {
    let ip: string | undefined;
    if (filter.ip !== undefined) {
      const parsed = parseIp(filter.ip.trim());
      if (!parsed) throw new AppError('validation_failed', "Parameter 'ip' must contain an IP address.");
      ip = formatIp(parsed);
    }
    if (filter.all && !viewer.is_superuser)
      throw new AppError('forbidden', 'Listing all IP addresses requires admin privileges.');
    if (filter.owner !== undefined && !viewer.is_superuser)
      throw new AppError('forbidden', "Listing another user's IP addresses requires admin privileges.");
    return loadIpAddressViews(this.deps.db, (eb) => {
      const conditions = [];
      // The owner's name is kept when the user is deleted, so an admin can still find the leak.
      if (!viewer.is_superuser) conditions.push(eb('ip_addresses.owner_id', '=', viewer.id));
      else if (filter.owner !== undefined)
        conditions.push(eb('ip_addresses.owner_username', '=', filter.owner));
      else if (!filter.all) conditions.push(eb('ip_addresses.owner_id', '=', viewer.id));
      if (!filter.all) conditions.push(eb('ip_addresses.alloc_type', '=', AllocType.userReserved));
      if (ip !== undefined) conditions.push(eb('ip_addresses.ip', '=', ip));
      return eb.and(conditions);
    });
  }

  /** MAAS's `op=reserve`: a USER_RESERVED address of the subnet (or the address asked for). */
  async reserve(user: UserRow, input: ReserveInput): Promise<IpAddressView> {
    const { db } = this.deps;
    const requested = input.ip === undefined ? undefined : parseIp(input.ip.trim());
    // MAAS's ClaimIPForMACForm names the address field ip_address whichever name was sent.
    if (input.ip !== undefined && requested === undefined) throw AppError.invalid({ ip_address: INVALID_IP });
    const mac = input.mac === undefined ? undefined : normaliseMac(input.mac);
    if (input.mac !== undefined && mac === undefined)
      throw AppError.invalid({ mac: `'${input.mac}' is not a valid MAC address.` });
    const ip = requested ? formatIp(requested) : undefined;
    const subnet = await this.subnetFor(ip, input.subnet);
    if (ip !== undefined) await this.refuseDynamic(subnet, ip);
    const name = await this.dnsName(input.hostname);
    if (mac !== undefined) await this.refuseNodeMac(mac);
    // Read before the subnet is locked: the lock is held for as short a time as can be.
    const domain = name ? undefined : await defaultDomainName(db);
    const claimed = await this.deps.allocator.inTurn(subnet.id, () =>
      db.transaction().execute(async (trx) => {
        const address = await this.deps.allocator.claimAddress(
          trx,
          { subnetId: subnet.id, ip },
          {
            alloc_type: AllocType.userReserved,
            owner_id: user.id,
            owner_username: user.username,
            mac_address: mac ?? null,
            hostname: name?.fqdn ?? null,
          },
        );
        // Still under the subnet lock: a MAC gets one reservation per subnet (one DHCP host entry).
        if (mac !== undefined) await refuseSecondReservation(trx, subnet.id, mac, address.id);
        const changes: NetworkChange[] = [];
        if (mac !== undefined)
          changes.push({
            kind: 'dhcp.host',
            action: 'upsert',
            subnetId: subnet.id,
            vlanId: subnet.vlan_id,
            ip: address.ip,
            mac,
            hostname: name?.host ?? null,
          });
        changes.push({
          kind: 'dns.address',
          action: 'upsert',
          subnetId: subnet.id,
          fqdn: name?.fqdn ?? ipBasedFqdn(address.ip, domain),
          ip: address.ip,
          ttl: null,
        });
        await this.deps.networkChanges.emit(trx, changes);
        return address;
      }),
    );
    return {
      id: claimed.id,
      ip: claimed.ip,
      allocType: AllocType.userReserved,
      created: claimed.created,
      updated: claimed.updated,
      macAddress: mac ?? null,
      hostname: name?.fqdn ?? null,
      ownerUsername: user.username,
      owner: user,
      subnet,
      vlan: (await loadVlanView(db, subnet.vlan_id)) ?? null,
      interface: null,
    };
  }

  /** MAAS's `op=release`: the caller's reservation; with `force` (admins) any address but observed ones, or only observed ones with `discovered`. */
  async release(user: UserRow, input: ReleaseInput): Promise<void> {
    if (input.force && !user.is_superuser)
      throw new AppError('forbidden', 'Force-releasing an IP address requires admin privileges.');
    const parsed = parseIp(input.ip.trim());
    if (!parsed) throw AppError.invalid({ ip: INVALID_IP });
    const ip = formatIp(parsed);
    await this.deps.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('ip_addresses')
        .select(['id', 'alloc_type', 'subnet_id', 'interface_id', 'mac_address', 'hostname'])
        .where('ip', '=', ip);
      if (!input.force)
        query = query.where('alloc_type', '=', AllocType.userReserved).where('owner_id', '=', user.id);
      else if (input.discovered) query = query.where('alloc_type', '=', AllocType.discovered);
      else query = query.where('alloc_type', '<>', AllocType.discovered);
      // Locked: of two concurrent releases of one address, the second finds it gone.
      const row = await query.orderBy('id').limit(1).forUpdate().executeTakeFirst();
      if (!row)
        throw new AppError(
          'validation_failed',
          input.force
            ? `IP address ${ip} does not exist.`
            : `IP address ${ip} does not exist, is not the correct type of address, or does not belong to the requesting user.\nIf you are sure you want to release this address, use force=true as a MAAS administrator.`,
        );
      const changes = await releaseChanges(trx, { ...row, id: Number(row.id), ip });
      await trx.deleteFrom('ip_addresses').where('id', '=', row.id).execute();
      // As MAAS's Interface.ensure_link_up: an interface left without links stays up on the subnet.
      if (row.interface_id !== null && row.alloc_type !== AllocType.discovered) {
        const left = await trx
          .selectFrom('ip_addresses')
          .select('id')
          .where('interface_id', '=', row.interface_id)
          .limit(1)
          .executeTakeFirst();
        if (!left)
          await trx
            .insertInto('ip_addresses')
            .values({
              ip: null,
              subnet_id: row.subnet_id,
              alloc_type: AllocType.sticky,
              interface_id: row.interface_id,
            })
            .execute();
      }
      await this.deps.networkChanges.emit(trx, changes);
    });
  }

  /** MAAS's reserve: the subnet holding `ip` when one is given, else the `subnet` named. */
  private async subnetFor(ip: string | undefined, key: string | undefined): Promise<SubnetRow> {
    const { db } = this.deps;
    if (ip !== undefined) {
      // Subnets never overlap, so at most one holds it; MAAS prefers one whose VLAN serves DHCP.
      const row = await db
        .selectFrom('subnets')
        .innerJoin('vlans', 'vlans.id', 'subnets.vlan_id')
        .selectAll('subnets')
        .where(sql<boolean>`${ip}::inet <<= subnets.cidr`)
        .orderBy('vlans.dhcp_on', 'desc')
        .orderBy(sql`masklen(subnets.cidr)`, 'desc')
        .executeTakeFirst();
      if (!row) throw new AppError('validation_failed', `No known subnet for IP address: ${ip}.`);
      return row;
    }
    if (key !== undefined) {
      try {
        return await findSubnet(db, key.trim());
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found')
          throw new AppError('validation_failed', `Unable to identify subnet: ${key}.`);
        throw error;
      }
    }
    throw new AppError('validation_failed', "Must supply either the 'subnet' or the 'ip' parameter.");
  }

  /** MAAS's reserve refuses an address of a dynamic range outright (403), before anything else. */
  private async refuseDynamic(subnet: SubnetRow, ip: string): Promise<void> {
    const range = await this.deps.db
      .selectFrom('ip_ranges')
      .select('id')
      .where('subnet_id', '=', subnet.id)
      .where('type', '=', 'dynamic')
      .where(sql<boolean>`${ip}::inet BETWEEN start_ip AND end_ip`)
      .executeTakeFirst();
    if (range)
      throw new AppError(
        'forbidden',
        `IP address ${ip} belongs to an existing dynamic range. To reserve this IP address, a MAC address is required. (Create a device instead.)`,
      );
  }

  /** `host` or `host.domain` (the domain must exist; none means the default domain). */
  private async dnsName(hostname: string | undefined): Promise<{ host: string; fqdn: string } | undefined> {
    const text = hostname?.trim();
    if (text === undefined || text === '') return undefined;
    const problem = hostnameError(text);
    if (problem) throw AppError.invalid({ hostname: problem });
    const { host, domain } = splitFqdn(text);
    const row = await this.deps.db
      .selectFrom('domains')
      .select('name')
      .where((eb) => (domain !== undefined ? eb('name', '=', domain) : eb('is_default', '=', true)))
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No Domain matches the given query.');
    return { host, fqdn: `${host}.${row.name}` };
  }

  /** MAAS's reserve: a MAC of a machine's or device's interface is linked through the interface API. */
  private async refuseNodeMac(mac: string): Promise<void> {
    const owner = await this.deps.db
      .selectFrom('interfaces as i')
      .leftJoin('machines as m', 'm.id', 'i.machine_id')
      .leftJoin('devices as d', 'd.id', 'i.device_id')
      .select(sql<string>`coalesce(m.hostname, d.hostname)`.as('hostname'))
      .where('i.mac_address', '=', mac)
      .executeTakeFirst();
    if (owner)
      throw new AppError(
        'validation_failed',
        `MAC address ${mac} already belongs to ${owner.hostname}. Use of the interface API is required, for an interface that belongs to a node.`,
      );
  }
}

/** MAAS's StaticIPAlreadyExistsForMACAddress (409): one fixed address per MAC and subnet. */
async function refuseSecondReservation(
  trx: Kysely<Database>,
  subnetId: number,
  mac: string,
  exceptId: number,
): Promise<void> {
  const rows = await sql<{ ip: string }>`
    SELECT host(ip) AS ip FROM ip_addresses
      WHERE subnet_id = ${subnetId} AND mac_address = ${mac}::macaddr AND ip IS NOT NULL
        AND alloc_type IN (0, 1, 4) AND id <> ${exceptId}
    UNION ALL
    SELECT host(ip) FROM reserved_ips WHERE subnet_id = ${subnetId} AND mac_address = ${mac}::macaddr`.execute(
    trx,
  );
  if (rows.rows.length > 0)
    throw new AppError(
      'conflict',
      `MAC address ${mac} already has the IP address(es) ${rows.rows.map((r) => r.ip).join(', ')}.`,
    );
}
