import { timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, TokenRow, UserRow } from '../db/schema.js';
import { randomKey } from '../crypto/random-key.js';
import { CredentialBatcher } from './credential-batcher.js';

/** The OAuth 1.0a parameters of a signed request, already percent-decoded. */
export interface OAuthParams {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly signatureMethod: string;
  readonly signature: string;
  readonly timestamp: string;
  readonly nonce: string;
}

/** The window python-oauth (and so MAAS) allows between a request's timestamp and the server clock. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

const keyPattern = /^[A-Za-z0-9]{1,64}$/;
/** Printable ASCII: gomaasapi sends hex, oauthlib digits. */
const noncePattern = /^[\x21-\x7e]{1,255}$/;

export function formatApiKey(key: Pick<TokenRow, 'consumer_key' | 'token_key' | 'token_secret'>): string {
  return `${key.consumer_key}:${key.token_key}:${key.token_secret}`;
}

export interface TokenServiceDeps {
  readonly db: Kysely<Database>;
  /** Seconds since the epoch; injected so that tests can move the clock. */
  readonly nowSeconds: () => number;
}

export class TokenService {
  private readonly batcher: CredentialBatcher;

  constructor(private readonly deps: TokenServiceDeps) {
    this.batcher = new CredentialBatcher(deps.db);
  }

  async create(userId: number, name = ''): Promise<TokenRow> {
    return this.deps.db
      .insertInto('api_tokens')
      .values({
        user_id: userId,
        name,
        consumer_key: randomKey(18),
        token_key: randomKey(18),
        token_secret: randomKey(32),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  list(userId: number): Promise<TokenRow[]> {
    return this.deps.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
  }

  async delete(userId: number, tokenKey: string): Promise<void> {
    const result = await this.deps.db
      .deleteFrom('api_tokens')
      .where('user_id', '=', userId)
      .where('token_key', '=', tokenKey)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n)
      throw new AppError('not_found', `No token with key '${tokenKey}' for this user.`);
  }

  async rename(userId: number, tokenKey: string, name: string): Promise<void> {
    const result = await this.deps.db
      .updateTable('api_tokens')
      .set({ name })
      .where('user_id', '=', userId)
      .where('token_key', '=', tokenKey)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n)
      throw new AppError('not_found', `No token with key '${tokenKey}' for this user.`);
  }

  /**
   * Verifies an OAuth PLAINTEXT-signed request and records its nonce, in one round trip.
   * Throws `unauthenticated` (401) for unknown keys, bad signatures, stale timestamps and replays.
   */
  async authenticate(params: OAuthParams): Promise<UserRow> {
    if (params.signatureMethod !== 'PLAINTEXT') {
      throw new AppError(
        'unauthenticated',
        `Authorization Error: unsupported signature method '${params.signatureMethod}' (use PLAINTEXT).`,
      );
    }
    if (!/^\d+$/.test(params.timestamp)) {
      throw AppError.invalid({
        oauth_timestamp: `Invalid timestamp '${params.timestamp}': expected whole seconds since the epoch.`,
      });
    }
    const timestamp = Number(params.timestamp);
    const skew = Math.abs(this.deps.nowSeconds() - timestamp);
    if (skew > TIMESTAMP_WINDOW_SECONDS) {
      throw new AppError(
        'unauthenticated',
        `Authorization Error: timestamp is ${skew} s away from the server clock (allowed: ${TIMESTAMP_WINDOW_SECONDS} s).`,
      );
    }
    if (!noncePattern.test(params.nonce))
      throw new AppError('unauthenticated', 'Authorization Error: missing or invalid oauth_nonce.');
    // The consumer secret is always empty, so the PLAINTEXT signature is "&" + token secret.
    const secret = params.signature.startsWith('&') ? params.signature.slice(1) : undefined;
    // Keys and secrets are letters and digits; anything else cannot match, and must not reach
    // the shared batch statement (a NUL byte there would fail everyone's requests).
    if (
      secret === undefined ||
      ![params.consumerKey, params.tokenKey, secret].every((part) => keyPattern.test(part))
    ) {
      throw new AppError('unauthenticated', 'Authorization Error: Invalid API key.');
    }

    const outcome = await this.batcher.check({
      tokenKey: params.tokenKey,
      consumerKey: params.consumerKey,
      secret,
      nonce: params.nonce,
      timestamp,
    });
    if (!outcome.user || outcome.tokenSecret === undefined || !safeEqual(outcome.tokenSecret, secret)) {
      throw new AppError('unauthenticated', 'Authorization Error: Invalid API key.');
    }
    if (!outcome.fresh)
      throw new AppError('unauthenticated', 'Authorization Error: nonce already used (replayed request).');
    return outcome.user;
  }

  /** Forgets nonces older than the timestamp window; they can no longer be replayed anyway. */
  async purgeNonces(): Promise<number> {
    const result = await this.deps.db
      .deleteFrom('oauth_nonces')
      .where('seen', '<', sql<Date>`now() - make_interval(secs => ${TIMESTAMP_WINDOW_SECONDS * 2})`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
