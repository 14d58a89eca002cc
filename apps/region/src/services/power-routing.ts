import type { Kysely } from 'kysely';
import { AppError, cidrContains, parseCidr, parseIp, type Ip } from '@ferrum/domain';
import type { PowerParameters, PowerTypeDeclaration } from '@ferrum/protocol';
import type { Database, MachineRow } from '../db/schema.js';
import type { RackCaller } from './rack-caller.js';

/** Why a rack was chosen for a machine's power work (shown in events). */
export type RouteReason = 'bmc-subnet' | 'boot-rack' | 'any-rack';

export interface PowerRoute {
  readonly rackId: string;
  readonly rackHostname: string;
  readonly reason: RouteReason;
  /** Whether this region process holds the rack's connection (and so can call it). */
  readonly local: boolean;
}

export interface RouteOptions {
  /**
   * `local` (default): choose among the racks connected to this process, the ones it can call.
   * `all`: choose among every connected rack, whichever process holds it, so a caller that
   * may leave the work to another process (the poller) learns whether the best rack is here;
   * when only "any rack" is left, a local one is taken if there is one.
   */
  readonly among?: 'local' | 'all';
}

/** A rack that can take power work now, with the networks it is on. */
export interface RackCandidate {
  readonly systemId: string;
  readonly hostname: string;
  readonly id: number;
  /** Its interfaces' addresses with prefixes, e.g. `10.0.0.2/24`. */
  readonly addresses: readonly string[];
}

/**
 * The IP address of a BMC from the value of its address setting: an IP, `host:port`,
 * `[v6]:port`, or a URL. A host name gives undefined: it is not resolved (the region's resolver
 * may not be the rack's), so such a BMC is routed by the later rules.
 */
export function bmcIp(value: string | undefined): Ip | undefined {
  if (!value) return undefined;
  const text = value.trim();
  let host = text;
  if (text.includes('://')) {
    try {
      host = new URL(text).hostname;
    } catch {
      return undefined;
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) host = bracketed[1] ?? '';
  else if (/^[^:]+:\d+$/.test(host)) host = host.slice(0, host.lastIndexOf(':'));
  return parseIp(host);
}

/** A stable spread of machines over equal racks: the same machine goes to the same rack. */
function pick<T>(candidates: readonly T[], key: string): T | undefined {
  if (candidates.length === 0) return undefined;
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619) >>> 0;
  return candidates[hash % candidates.length];
}

/**
 * The routing rule, pure: (1) a rack with an address on the BMC's subnet, else (2) the machine's
 * boot rack (the primary, then the secondary rack of its boot interface's VLAN), else (3) any
 * rack that can take the work. Equal racks are spread by the machine's system_id.
 */
export function chooseRack(
  candidates: readonly RackCandidate[],
  bmc: Ip | undefined,
  bootRackIds: readonly number[],
  systemId: string,
): (RackCandidate & { reason: RouteReason }) | undefined {
  if (bmc) {
    const onSubnet = candidates.filter((rack) =>
      rack.addresses.some((address) => {
        const parsed = parseCidr(address);
        return 'cidr' in parsed && cidrContains(parsed.cidr, bmc);
      }),
    );
    const chosen = pick(onSubnet, systemId);
    if (chosen) return { ...chosen, reason: 'bmc-subnet' };
  }
  for (const id of bootRackIds) {
    const boot = candidates.find((rack) => rack.id === id);
    if (boot) return { ...boot, reason: 'boot-rack' };
  }
  const any = pick(candidates, systemId);
  return any ? { ...any, reason: 'any-rack' } : undefined;
}

function interfaceAddresses(interfaces: unknown): string[] {
  if (!Array.isArray(interfaces)) return [];
  return interfaces.flatMap((nic: unknown) => {
    const addresses = (nic as { addresses?: unknown }).addresses;
    return Array.isArray(addresses) ? addresses.filter((a): a is string => typeof a === 'string') : [];
  });
}

/**
 * Finds the rack that does a machine's power work: one connected to this region process (the
 * process that holds a rack's connection is the one that can call it), chosen by `chooseRack`.
 */
export class PowerRouter {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly racks: RackCaller }) {}

  async route(
    row: MachineRow,
    declaration: PowerTypeDeclaration,
    params: PowerParameters,
    options: RouteOptions = {},
  ): Promise<PowerRoute> {
    const address = declaration.addressSetting ? params[declaration.addressSetting] : undefined;
    const local = new Set(this.deps.racks.connectedIds());
    const all = options.among === 'all';
    let query = this.deps.db
      .selectFrom('rack_controllers')
      .select(['id', 'system_id', 'hostname', 'interfaces'])
      .where('connected_since', 'is not', null)
      .orderBy('id');
    if (!all) query = query.where('system_id', 'in', [...local]);
    const racks = all || local.size > 0 ? await query.execute() : [];
    const candidates = racks.map((r) => ({
      id: r.id,
      systemId: r.system_id,
      hostname: r.hostname,
      addresses: interfaceAddresses(r.interfaces),
    }));
    const boot = await this.deps.db
      .selectFrom('interfaces')
      .innerJoin('vlans', 'vlans.id', 'interfaces.vlan_id')
      .select(['vlans.primary_rack_id', 'vlans.secondary_rack_id'])
      .where('interfaces.machine_id', '=', row.id)
      .orderBy('interfaces.is_boot', 'desc')
      .orderBy('interfaces.id')
      .executeTakeFirst();
    const bootRackIds = [boot?.primary_rack_id, boot?.secondary_rack_id].filter(
      (id): id is number => typeof id === 'number',
    );
    let chosen = chooseRack(candidates, bmcIp(address), bootRackIds, row.system_id);
    if (all && chosen?.reason === 'any-rack' && !local.has(chosen.systemId)) {
      const here = candidates.filter((rack) => local.has(rack.systemId));
      chosen = chooseRack(here, undefined, [], row.system_id) ?? chosen;
    }
    if (!chosen) {
      const where = address ? ` (${address})` : '';
      const elsewhere = await this.deps.db
        .selectFrom('rack_controllers')
        .select('hostname')
        .where('connected_since', 'is not', null)
        .execute();
      throw new AppError(
        'rack_unavailable',
        elsewhere.length === 0
          ? `No rack controller can reach the BMC of ${row.hostname}${where}: none is connected.`
          : `No rack controller connected to this region process can reach the BMC of ${row.hostname}${where}; ` +
              `connected to other region processes: ${elsewhere.map((r) => r.hostname).join(', ')}.`,
        { retryAfterSeconds: 10 },
      );
    }
    return {
      rackId: chosen.systemId,
      rackHostname: chosen.hostname,
      reason: chosen.reason,
      local: local.has(chosen.systemId),
    };
  }
}
