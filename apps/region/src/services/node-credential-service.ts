import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { AppError, statusLabel, type NodeStatus } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import { randomKey } from '../crypto/random-key.js';
import type { EventService } from './event-service.js';
import { TIMESTAMP_WINDOW_SECONDS, type OAuthParams } from './token-service.js';
import { credentialEffect, dropsUserData, holdsCredentials } from './node-credential-policy.js';
import { statusOf } from './machine-service.js';

/** A machine's metadata credentials, as the preseed gives them to it. */
export interface NodeCredentials {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

/** A boot token just issued: put in the machine's boot configuration, usable once. */
export interface BootToken {
  readonly systemId: string;
  readonly bootToken: string;
  readonly expires: Date;
}

export interface NodeCredentialServiceDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
  /** Seals the token secret for storage (the region's SecretBox). */
  readonly secrets: { encrypt(plain: string): string; decrypt(sealed: string): string };
  readonly nowSeconds: () => number;
  /** How long a boot token may wait for its machine to ask for the preseed. */
  readonly bootTokenMinutes?: number;
}

/** Long enough for a slow boot (kernel, initrd and squashfs over a WAN link), short enough to be useless later. */
export const BOOT_TOKEN_MINUTES = 30;

const keyPattern = /^[A-Za-z0-9]{1,64}$/;
const noncePattern = /^[\x21-\x7e]{1,255}$/;

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The per-machine OAuth credentials of the metadata API (`/MAAS/metadata/`).
 *
 * MAAS gives each node a token of its `maas-init-node` user and serves it, unauthenticated, to
 * anyone who asks for `/MAAS/metadata/latest/by-id/<system_id>/?op=get_preseed` (flagged in
 * MAAS's own code as LP#1015559): knowing a system_id is enough to act as that machine.
 * Ferrum does better:
 *
 * - Credentials are no API key: they belong to no user and are valid at the metadata API only,
 *   for their own machine only (a status webhook for another machine is 403).
 * - They exist only while the machine does work that needs them (see `credentialEffect`): fresh
 *   ones when it starts commissioning, erasing or deploying, none once released.
 * - The secret is stored as a digest (checked) and sealed with the region's key (handed out);
 *   a database dump alone gives neither a usable secret nor a boot token.
 * - The preseed that carries the secret is served only against a **one-time boot token**: the
 *   region issues one per boot (`issueBootToken`) into the machine's boot configuration (the
 *   kernel command line's `cloud-config-url=…?op=get_preseed&boot_token=…`), valid for
 *   `BOOT_TOKEN_MINUTES`, used up by the first preseed it fetches, and replaced by the next boot's.
 *   Without a valid token `get_preseed` is 401 and the machine gets a WARNING event naming the
 *   address that asked; a token someone else used first leaves the real machine without its
 *   preseed (it fails visibly, it is not impersonated silently). Until the boot path exists,
 *   an administrator (the simulator) obtains the token with `machines/{id}/?op=issue_boot_token`.
 */
export class NodeCredentialService {
  private readonly bootTokenMinutes: number;

  constructor(private readonly deps: NodeCredentialServiceDeps) {
    this.bootTokenMinutes = deps.bootTokenMinutes ?? BOOT_TOKEN_MINUTES;
  }

  /**
   * The lifecycle's hook: machines `machineIds` just entered `to` (in `trx`, the change's
   * transaction). Issues, keeps or revokes their credentials as `credentialEffect` says.
   */
  async statusChanged(trx: Kysely<Database>, machineIds: readonly number[], to: NodeStatus): Promise<void> {
    const effect = credentialEffect(to);
    if (effect === undefined || machineIds.length === 0) return;
    if (effect === 'revoke') {
      await trx
        .deleteFrom('node_credentials')
        .where('machine_id', 'in', [...machineIds])
        .execute();
      if (dropsUserData(to))
        await trx
          .deleteFrom('machine_user_data')
          .where('machine_id', 'in', [...machineIds])
          .execute();
      return;
    }
    for (const id of machineIds) await this.issue(trx, id, effect === 'fresh');
  }

  /** Gives the machine credentials: new ones with `fresh`, else only when it has none. */
  async issue(db: Kysely<Database>, machineId: number, fresh: boolean): Promise<void> {
    const secret = randomKey(32);
    const values = {
      machine_id: machineId,
      consumer_key: randomKey(18),
      token_key: randomKey(18),
      token_secret_hash: digest(secret),
      token_secret_sealed: this.deps.secrets.encrypt(secret),
    };
    await db
      .insertInto('node_credentials')
      .values(values)
      .onConflict((oc) =>
        fresh
          ? oc.column('machine_id').doUpdateSet({
              consumer_key: values.consumer_key,
              token_key: values.token_key,
              token_secret_hash: values.token_secret_hash,
              token_secret_sealed: values.token_secret_sealed,
              boot_token_hash: null,
              boot_token_expires: null,
              preseed_served: null,
              created: new Date(this.deps.nowSeconds() * 1000),
            })
          : oc.column('machine_id').doNothing(),
      )
      .execute();
  }

  /** The machine's credential keys (never the secret), or undefined when it has none. */
  async keysOf(systemId: string): Promise<{ consumerKey: string; tokenKey: string } | undefined> {
    const row = await this.deps.db
      .selectFrom('node_credentials')
      .innerJoin('machines', 'machines.id', 'node_credentials.machine_id')
      .select(['node_credentials.consumer_key', 'node_credentials.token_key'])
      .where('machines.system_id', '=', systemId)
      .executeTakeFirst();
    return row ? { consumerKey: row.consumer_key, tokenKey: row.token_key } : undefined;
  }

  /**
   * Verifies a request signed (OAuth 1.0a PLAINTEXT) with a machine's credentials and records
   * its nonce, in one statement; answers the machine. 401 for anything else, replays included.
   */
  async authenticate(params: OAuthParams): Promise<MachineRow> {
    if (params.signatureMethod !== 'PLAINTEXT')
      throw new AppError(
        'unauthenticated',
        `Authorization Error: unsupported signature method '${params.signatureMethod}' (use PLAINTEXT).`,
      );
    if (!/^\d+$/.test(params.timestamp))
      throw AppError.invalid({
        oauth_timestamp: `Invalid timestamp '${params.timestamp}': expected whole seconds since the epoch.`,
      });
    const timestamp = Number(params.timestamp);
    const skew = Math.abs(this.deps.nowSeconds() - timestamp);
    if (skew > TIMESTAMP_WINDOW_SECONDS)
      throw new AppError(
        'unauthenticated',
        `Authorization Error: timestamp is ${String(skew)} s away from the server clock (allowed: ${String(TIMESTAMP_WINDOW_SECONDS)} s).`,
      );
    if (!noncePattern.test(params.nonce))
      throw new AppError('unauthenticated', 'Authorization Error: missing or invalid oauth_nonce.');
    // The consumer secret is always empty: the PLAINTEXT signature is "&" + token secret.
    const secret = params.signature.startsWith('&') ? params.signature.slice(1) : undefined;
    if (
      secret === undefined ||
      ![params.consumerKey, params.tokenKey, secret].every((p) => keyPattern.test(p))
    )
      throw invalidCredentials();
    const result = await sql<MachineRow & { fresh: boolean }>`
      WITH cred AS (
        SELECT machine_id FROM node_credentials
         WHERE token_key = ${params.tokenKey} AND consumer_key = ${params.consumerKey}
           AND token_secret_hash = ${digest(secret)}),
      nonce AS (
        INSERT INTO oauth_nonces (token_key, nonce, timestamp)
        SELECT ${params.tokenKey}, ${params.nonce}, ${timestamp} FROM cred
        ON CONFLICT DO NOTHING RETURNING 1)
      SELECT m.*, EXISTS (SELECT 1 FROM nonce) AS fresh
        FROM machines m JOIN cred ON cred.machine_id = m.id`.execute(this.deps.db);
    const row = result.rows[0];
    if (!row) throw invalidCredentials();
    const { fresh, ...machine } = row;
    if (!fresh)
      throw new AppError('unauthenticated', 'Authorization Error: nonce already used (replayed request).');
    return machine;
  }

  /**
   * Issues the one-time token of the machine's next boot (replacing any earlier one), giving
   * the machine credentials first when its status may hold them and it has none (a machine
   * created straight into Commissioning). 409 for a machine that may hold none (Ready, New, …).
   */
  async issueBootToken(systemId: string): Promise<BootToken> {
    const token = randomKey(32);
    const expires = new Date((this.deps.nowSeconds() + this.bootTokenMinutes * 60) * 1000);
    await this.deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('machines')
        .selectAll()
        .where('system_id', '=', systemId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No Machine matches the given query.');
      const status = statusOf(row);
      if (!holdsCredentials(status))
        throw new AppError(
          'invalid_transition',
          `Machine ${row.hostname} is ${statusLabel(status)}: it boots nothing that talks to the metadata API, so it has no credentials and no boot token.`,
        );
      await this.issue(trx, row.id, false);
      await trx
        .updateTable('node_credentials')
        .set({ boot_token_hash: digest(token), boot_token_expires: expires })
        .where('machine_id', '=', row.id)
        .execute();
    });
    return { systemId, bootToken: token, expires };
  }

  /**
   * The machine's credentials for its preseed, against the boot token of its current boot,
   * which this uses up (one statement: two requests with the same token cannot both succeed).
   * 401, and a WARNING event on the machine naming `address`, when the token is missing,
   * wrong, used or expired.
   */
  async redeemBootToken(
    systemId: string,
    bootToken: string | undefined,
    address: string,
  ): Promise<{ machine: MachineRow; credentials: NodeCredentials }> {
    if (bootToken === undefined || bootToken === '' || !keyPattern.test(bootToken)) {
      await this.refused(systemId, address, 'without a boot token');
      throw new AppError(
        'unauthenticated',
        "Authorization Error: get_preseed needs the one-time boot_token of the machine's current boot. Ferrum does not hand out a machine's credentials for its system_id alone (MAAS LP#1015559).",
      );
    }
    const now = new Date(this.deps.nowSeconds() * 1000);
    const used = await this.deps.db
      .updateTable('node_credentials')
      .from('machines')
      .set({ boot_token_hash: null, boot_token_expires: null, preseed_served: now })
      .whereRef('machines.id', '=', 'node_credentials.machine_id')
      .where('machines.system_id', '=', systemId)
      .where('node_credentials.boot_token_hash', '=', digest(bootToken))
      .where('node_credentials.boot_token_expires', '>', now)
      .returning([
        'node_credentials.consumer_key',
        'node_credentials.token_key',
        'node_credentials.token_secret_sealed',
      ])
      .executeTakeFirst();
    if (!used) {
      await this.refused(systemId, address, 'with a boot token that is wrong, used or expired');
      throw new AppError(
        'unauthenticated',
        'Authorization Error: the boot token is wrong, already used or expired; the machine gets a new one when it boots again.',
      );
    }
    const machine = await this.deps.db
      .selectFrom('machines')
      .selectAll()
      .where('system_id', '=', systemId)
      .executeTakeFirstOrThrow();
    const tokenSecret = this.deps.secrets.decrypt(used.token_secret_sealed);
    await this.deps.events.record({
      type: 'Preseed served',
      level: 'DEBUG',
      description: `Metadata credentials handed to ${address} for this boot.`,
      nodeSystemId: machine.system_id,
      nodeHostname: machine.hostname,
      ipAddress: isIp(address) ? address : null,
    });
    return {
      machine,
      credentials: { consumerKey: used.consumer_key, tokenKey: used.token_key, tokenSecret },
    };
  }

  private async refused(systemId: string, address: string, how: string): Promise<void> {
    const row = await this.deps.db
      .selectFrom('machines')
      .select(['system_id', 'hostname'])
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    if (!row) return;
    await this.deps.events.record({
      type: 'Preseed refused',
      level: 'WARNING',
      description: `Refused the machine's preseed (its metadata credentials) to ${address}, which asked ${how}.`,
      nodeSystemId: row.system_id,
      nodeHostname: row.hostname,
      ipAddress: isIp(address) ? address : null,
    });
  }
}

function invalidCredentials(): AppError {
  return new AppError('unauthenticated', 'Authorization Error: Invalid machine credentials.');
}

function isIp(address: string): boolean {
  return /^[\d.]+$/.test(address) || /^[\da-f:]+$/i.test(address);
}
