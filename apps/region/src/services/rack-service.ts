import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ParamsOf, RackKey, rackRegister } from '@ferrum/protocol';
import type { Database } from '../db/schema.js';
import type { EventService } from './event-service.js';

/** Seals secrets at rest (the region's SecretBox). */
interface Sealer {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

const systemIdAlphabet = 'abcdefghjkmnpqrstuvwxy3456789';

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
    const systemId = Array.from(randomBytes(6), (b) =>
      systemIdAlphabet.charAt(b % systemIdAlphabet.length),
    ).join('');
    await this.deps.db
      .insertInto('rack_controllers')
      .values({ system_id: systemId, credential_sealed: this.deps.secrets.encrypt(credential), ...reported })
      .execute();
    await this.deps.events.record({
      type: 'Rack registered',
      level: 'INFO',
      description: `Rack ${params.hostname} registered as ${systemId}.`,
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

  async list(): Promise<{ system_id: string; hostname: string; version: string; last_seen: Date | null }[]> {
    return this.deps.db
      .selectFrom('rack_controllers')
      .select(['system_id', 'hostname', 'version', 'last_seen'])
      .orderBy('id')
      .execute();
  }
}
