import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { ParamsOf, RackKey, rackRegister, rackReportServices } from '@ferrum/protocol';
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
export class RackService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly secrets: Sealer;
    },
  ) {}

  /** The shared secret racks register with (`ferrum rack secret`), made on first need. */
  async sharedSecret(): Promise<string> {
    const fresh = randomBytes(24).toString('base64url');
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
   * Registers a rack that proved the shared secret (a new system_id and credential), or updates
   * the one that proved its own credential (`knownSystemId`), with what it reports.
   */
  async register(
    params: ParamsOf<typeof rackRegister>,
    knownSystemId: string | undefined,
    retried = false,
  ): Promise<{ systemId: string; credential: string }> {
    const reported = {
      hostname: params.hostname,
      version: params.version,
      interfaces: JSON.stringify(params.interfaces),
      capabilities: [...params.capabilities],
      last_seen: new Date(),
      updated: new Date(),
    };
    if (knownSystemId !== undefined) {
      const row = await this.deps.db
        .updateTable('rack_controllers')
        .set(reported)
        .where('system_id', '=', knownSystemId)
        .returning('credential_sealed')
        .executeTakeFirstOrThrow();
      return { systemId: knownSystemId, credential: this.deps.secrets.decrypt(row.credential_sealed) };
    }
    const credential = randomBytes(32).toString('base64url');
    // A rack that lost its data dir and registers again under its name is the same rack (as
    // MAAS finds a rack by its hostname): it keeps its system_id and gets a new credential.
    const again = await this.deps.db
      .updateTable('rack_controllers')
      .set({ ...reported, credential_sealed: this.deps.secrets.encrypt(credential) })
      .where('hostname', '=', params.hostname)
      .returning('system_id')
      .executeTakeFirst();
    if (again) {
      await this.deps.events.record({
        type: 'Rack registered',
        level: 'INFO',
        description: `Rack ${params.hostname} registered again as ${again.system_id}, with a new credential.`,
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

  /** Records that a rack's connection from `address` was refused (wrong secret, replay, unknown rack). */
  async refused(address: string | undefined, reason: string): Promise<void> {
    await this.deps.events.record({
      type: 'Rack connection refused',
      level: 'WARNING',
      description: `${reason} (from ${address ?? 'an unknown address'})`,
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

  /** Keeps the racks connected to region process `regionId` shown alive. */
  async touch(systemIds: readonly string[], regionId: string): Promise<void> {
    if (systemIds.length === 0) return;
    await this.deps.db
      .updateTable('rack_controllers')
      .set({ last_seen: sql<Date>`now()` })
      .where('system_id', 'in', systemIds)
      .where('connected_region', '=', regionId)
      .execute();
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
