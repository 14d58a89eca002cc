import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type {
  ParamsOf,
  RackKey,
  ResultOf,
  imagesList,
  osList,
  powerDescribeTypes,
  rackRegister,
  rackReportServices,
} from '@ferrum/protocol';
import type { Database } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import { newSystemId } from './system-id.js';

/** Seals secrets at rest (the region's SecretBox). */
interface Sealer {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

/**
 * The racks of this region: the shared secret a new rack registers with, each rack's own
 * credential, and what each reported when it registered. Secrets are sealed at rest.
 */
/** At most one `Rack connection refused` event per address this often. */
const REFUSAL_EVENT_EVERY_MS = 60_000;

export class RackService {
  private readonly refusals = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly secrets: Sealer;
    },
  ) {}

  /** The shared secret racks register with (`ferrum rack secret`), made on first need. */
  async sharedSecret(): Promise<string> {
    const fresh = randomBytes(24).toString('hex'); // hex: nothing in it for a shell or an option parser to misread
    await this.deps.db
      .insertInto('region_state')
      .values({ key: 'rack_secret', value: this.deps.secrets.encrypt(fresh) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await this.deps.db
      .selectFrom('region_state')
      .select('value')
      .where('key', '=', 'rack_secret')
      .executeTakeFirstOrThrow();
    return this.deps.secrets.decrypt(row.value);
  }

  /** The key a rack proves in the handshake: the shared secret to register, else its own credential. */
  async keyFor(systemId: string | undefined): Promise<RackKey | undefined> {
    if (systemId === undefined) return { key: await this.sharedSecret() };
    const row = await this.deps.db
      .selectFrom('rack_controllers')
      .select('credential_sealed')
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    return row ? { key: this.deps.secrets.decrypt(row.credential_sealed), systemId } : undefined;
  }

  /**
   * Registers a rack that proved the shared secret (a new system_id and credential, answered for
   * the wire to seal), or updates the one that proved its own credential (`knownSystemId`; no
   * credential answered, it keeps its own). A rack name is unique: a rack registering with the
   * secret under the name of a rack that is not connected is that rack come back with a lost
   * data dir (as MAAS finds a rack by hostname) and gets a new credential; under the name of a
   * connected rack it is refused, so the secret alone cannot take a working rack's identity.
   */
  async register(
    params: ParamsOf<typeof rackRegister>,
    knownSystemId: string | undefined,
    retried = false,
  ): Promise<{ systemId: string; credential?: string }> {
    const reported = {
      hostname: params.hostname,
      version: params.version,
      interfaces: JSON.stringify(params.interfaces),
      capabilities: [...params.capabilities],
      last_seen: new Date(),
      updated: new Date(),
    };
    const nameTaken = () =>
      new AppError(
        'conflict',
        `A connected rack is already named ${params.hostname}: give this one another name (ferrum rack register --name).`,
      );
    if (knownSystemId !== undefined) {
      let row;
      try {
        row = await this.deps.db
          .updateTable('rack_controllers')
          .set(reported)
          .where('system_id', '=', knownSystemId)
          .returning('system_id')
          .executeTakeFirst();
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken();
        throw error;
      }
      if (!row)
        throw new AppError('unauthenticated', `Rack ${knownSystemId} was deleted: register it again.`);
      return { systemId: knownSystemId };
    }
    const credential = randomBytes(32).toString('base64url');
    const existing = await this.deps.db
      .selectFrom('rack_controllers')
      .select(['system_id', 'connected_since'])
      .where('hostname', '=', params.hostname)
      .executeTakeFirst();
    if (existing) {
      if (existing.connected_since !== null) throw nameTaken();
      const again = await this.deps.db
        .updateTable('rack_controllers')
        .set({ ...reported, credential_sealed: this.deps.secrets.encrypt(credential) })
        .where('system_id', '=', existing.system_id)
        .where('connected_since', 'is', null)
        .returning('system_id')
        .executeTakeFirst();
      if (!again) throw nameTaken();
      await this.deps.events.record({
        type: 'Rack registered',
        level: 'WARNING',
        description: `Rack ${params.hostname} registered again with the shared secret as ${again.system_id}: its previous credential no longer works.`,
        nodeSystemId: again.system_id,
        nodeHostname: params.hostname,
      });
      return { systemId: again.system_id, credential };
    }
    const systemId = newSystemId();
    try {
      await this.deps.db
        .insertInto('rack_controllers')
        .values({
          system_id: systemId,
          credential_sealed: this.deps.secrets.encrypt(credential),
          ...reported,
        })
        .execute();
    } catch (error) {
      // Two racks of one name registering at once: the second finds the first's row.
      if (isUniqueViolation(error) && !retried) return this.register(params, knownSystemId, true);
      throw error;
    }
    await this.deps.events.record({
      type: 'Rack registered',
      level: 'INFO',
      description: `Rack ${params.hostname} registered as ${systemId}.`,
      nodeSystemId: systemId,
      nodeHostname: params.hostname,
    });
    return { systemId, credential };
  }

  /**
   * Records that a rack's connection from `address` was refused (wrong secret, replay, unknown
   * rack): one event per address a minute, naming how many more were refused meanwhile, so a
   * loop of bad handshakes cannot flood the event log.
   */
  async refused(address: string | undefined, reason: string): Promise<void> {
    const key = address ?? '';
    const now = Date.now();
    const last = this.refusals.get(key);
    if (last && now - last.at < REFUSAL_EVENT_EVERY_MS) {
      last.suppressed++;
      return;
    }
    if (this.refusals.size >= 10_000) this.refusals.clear();
    this.refusals.set(key, { at: now, suppressed: 0 });
    const more =
      last && last.suppressed > 0
        ? ` (and ${String(last.suppressed)} more refused from there since the last event)`
        : '';
    await this.deps.events.record({
      type: 'Rack connection refused',
      level: 'WARNING',
      description: `${reason} (from ${address ?? 'an unknown address'})${more}`,
      ipAddress: address ?? null,
    });
  }

  /** Records that a rack's connection opened on region process `regionId`. */
  async connected(systemId: string, address: string | undefined, regionId: string): Promise<void> {
    const row = await this.deps.db
      .updateTable('rack_controllers')
      .set({
        connected_since: sql<Date>`now()`,
        last_seen: sql<Date>`now()`,
        connected_address: address ?? null,
        connected_region: regionId,
      })
      .where('system_id', '=', systemId)
      .returning('hostname')
      .executeTakeFirst();
    if (!row) return;
    await this.deps.events.record({
      type: 'Rack controller connected',
      level: 'INFO',
      description: `Rack ${row.hostname} connected${address === undefined ? '' : ` from ${address}`}.`,
      nodeSystemId: systemId,
      nodeHostname: row.hostname,
      ipAddress: address ?? null,
    });
  }

  /**
   * Records that a rack's connection on region process `regionId` ended, with why; nothing
   * when the rack is connected elsewhere by now (a newer connection on another region).
   */
  async disconnected(systemId: string, regionId: string, reason: string): Promise<void> {
    const row = await this.deps.db
      .updateTable('rack_controllers')
      .set({ connected_since: null, connected_region: null })
      .where('system_id', '=', systemId)
      .where('connected_region', '=', regionId)
      .returning('hostname')
      .executeTakeFirst();
    if (row) await this.recordLost(systemId, row.hostname, `Rack ${row.hostname} disconnected: ${reason}.`);
  }

  /** Stores the services a rack reported. */
  async reportServices(systemId: string, services: readonly ServiceReport[]): Promise<void> {
    await this.deps.db
      .updateTable('rack_controllers')
      .set({ services: JSON.stringify(services), services_updated: new Date() })
      .where('system_id', '=', systemId)
      .execute();
  }

  /**
   * Keeps the racks connected to region process `regionId` shown alive, and claims back those
   * another region marked disconnected while this one was stalled (with an event). Answers the
   * racks that no longer exist (deleted through another region process).
   */
  async touch(systemIds: readonly string[], regionId: string): Promise<string[]> {
    if (systemIds.length === 0) return [];
    const reclaimed = await this.deps.db
      .updateTable('rack_controllers')
      .set({ connected_since: sql<Date>`now()`, connected_region: regionId, last_seen: sql<Date>`now()` })
      .where('system_id', 'in', systemIds)
      .where('connected_since', 'is', null)
      .returning(['system_id', 'hostname'])
      .execute();
    for (const row of reclaimed)
      await this.deps.events.record({
        type: 'Rack controller connected',
        level: 'INFO',
        description: `Rack ${row.hostname} is connected again (its region was slow to show it alive).`,
        nodeSystemId: row.system_id,
        nodeHostname: row.hostname,
      });
    // Only the racks this process holds by the database's account: one that moved to another
    // region while a stale connection lingers here is not taken back from it.
    await this.deps.db
      .updateTable('rack_controllers')
      .set({ last_seen: sql<Date>`now()` })
      .where('system_id', 'in', systemIds)
      .where('connected_region', '=', regionId)
      .execute();
    const existing = await this.deps.db
      .selectFrom('rack_controllers')
      .select('system_id')
      .where('system_id', 'in', systemIds)
      .execute();
    const found = new Set(existing.map((row) => row.system_id));
    return systemIds.filter((id) => !found.has(id));
  }

  /** Stores what a rack offered when it connected (see RackOffers). */
  async storeOffers(systemId: string, offers: RackOffers): Promise<void> {
    await this.deps.db
      .updateTable('rack_controllers')
      .set({ offers: JSON.stringify(offers) })
      .where('system_id', '=', systemId)
      .execute();
  }

  /**
   * What the racks connected to other region processes than `regionId` offered (all connected
   * racks' when it is undefined): a region counts racks it does not hold by what they said.
   */
  async offersElsewhere(regionId: string | undefined): Promise<{ systemId: string; offers: RackOffers }[]> {
    let query = this.deps.db
      .selectFrom('rack_controllers')
      .select(['system_id', 'offers'])
      .where('connected_since', 'is not', null)
      .where('offers', 'is not', null);
    if (regionId !== undefined)
      query = query.where((eb) =>
        eb.or([eb('connected_region', 'is', null), eb('connected_region', '!=', regionId)]),
      );
    const rows = await query.orderBy('id').execute();
    return rows.map((row) => ({ systemId: row.system_id, offers: row.offers as RackOffers }));
  }

  /** What one rack offered when it connected, if it is connected and answered. */
  async offersOf(systemId: string): Promise<RackOffers | undefined> {
    const row = await this.deps.db
      .selectFrom('rack_controllers')
      .select('offers')
      .where('system_id', '=', systemId)
      .where('connected_since', 'is not', null)
      .executeTakeFirst();
    return (row?.offers as RackOffers | null | undefined) ?? undefined;
  }

  /**
   * Marks disconnected, with an event, the racks shown connected whose region has not refreshed
   * them for `silentMs` (that region process died); any region process may run this.
   */
  async sweepSilent(silentMs: number): Promise<string[]> {
    const rows = await this.deps.db
      .updateTable('rack_controllers')
      .set({ connected_since: null, connected_region: null })
      .where('connected_since', 'is not', null)
      // The database's clock, as the touch's: region hosts' clocks may disagree.
      .where('last_seen', '<', sql<Date>`now() - make_interval(secs => ${silentMs / 1000})`)
      .returning(['system_id', 'hostname'])
      .execute();
    for (const row of rows)
      await this.recordLost(
        row.system_id,
        row.hostname,
        `Rack ${row.hostname} went silent: no region has heard from it for ${String(Math.round(silentMs / 1000))} s.`,
      );
    return rows.map((row) => row.system_id);
  }

  private recordLost(systemId: string, hostname: string, description: string): Promise<void> {
    return this.deps.events.record({
      type: 'Rack controller disconnected',
      level: 'WARNING',
      description,
      nodeSystemId: systemId,
      nodeHostname: hostname,
    });
  }

  /** Every rack, as `rackcontrollers/` shows them (credentials left out). */
  async list(): Promise<RackRow[]> {
    return this.select().orderBy('id').execute();
  }

  async get(systemId: string): Promise<RackRow | undefined> {
    return this.select().where('system_id', '=', systemId).executeTakeFirst();
  }

  /** Deletes a rack; it must register again to come back. True when it existed. */
  async delete(systemId: string, username: string): Promise<boolean> {
    const row = await this.deps.db
      .deleteFrom('rack_controllers')
      .where('system_id', '=', systemId)
      .returning('hostname')
      .executeTakeFirst();
    if (row) await this.deps.events.audit(username, `Deleted rack controller ${row.hostname} (${systemId}).`);
    return row !== undefined;
  }

  private select() {
    return this.deps.db
      .selectFrom('rack_controllers')
      .select([
        'id',
        'system_id',
        'hostname',
        'version',
        'interfaces',
        'capabilities',
        'services',
        'services_updated',
        'connected_since',
        'connected_address',
        'last_seen',
        'created',
        'updated',
      ]);
  }
}

/**
 * What a rack answered when it connected: the OS registry, architectures, boot images and power
 * types (the answers of os.list, arch.list, images.list and power.describeTypes).
 */
export interface RackOffers {
  readonly osystems: ResultOf<typeof osList>['osystems'];
  readonly architectures: readonly string[];
  readonly images: ResultOf<typeof imagesList>['images'];
  readonly powerTypes: ResultOf<typeof powerDescribeTypes>['powerTypes'];
}

/** One service as a rack reported it. */
export type ServiceReport = ParamsOf<typeof rackReportServices>['services'][number];

/** A rack as the region knows it (no credential). */
export interface RackRow {
  readonly id: number;
  readonly system_id: string;
  readonly hostname: string;
  readonly version: string;
  readonly interfaces: unknown[];
  readonly capabilities: string[];
  readonly services: unknown[];
  readonly services_updated: Date | null;
  readonly connected_since: Date | null;
  readonly connected_address: string | null;
  readonly last_seen: Date | null;
  readonly created: Date;
  readonly updated: Date;
}
