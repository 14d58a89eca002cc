import { sql, type Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema.js';

/** One signed request's credentials, after the checks that need no database. */
export interface CredentialCheck {
  readonly tokenKey: string;
  readonly consumerKey: string;
  readonly secret: string;
  readonly nonce: string;
  readonly timestamp: number;
}

export interface CredentialOutcome {
  /** The token's user, when the token exists, matches the consumer key and its user is active. */
  readonly user: UserRow | undefined;
  readonly tokenSecret: string | undefined;
  /** True when this request recorded the nonce (the first to use it); false for a replay. */
  readonly fresh: boolean;
}

interface Pending extends CredentialCheck {
  resolve(outcome: CredentialOutcome): void;
  reject(error: unknown): void;
}

type Row = UserRow & {
  idx: number;
  token_secret: string;
  secret: string;
  inserted: boolean;
  token_key: string;
  nonce: string;
};

const MAX_BATCH = 500;
const MAX_IN_FLIGHT = 4;

/**
 * Checks many signed requests in one statement: the token lookup and the nonce insert of
 * every request that arrived while earlier statements ran go to PostgreSQL together. Under
 * load that turns one round trip and one commit per request into one per batch; alone, a
 * request goes out at once. Replay protection stays exact: the nonce table's primary key
 * decides, and within a batch the first request with a nonce wins.
 */
export class CredentialBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(private readonly db: Kysely<Database>) {}

  check(request: CredentialCheck): Promise<CredentialOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      this.run(batch)
        .catch((error: unknown) => {
          // A data error (SQLSTATE class 22, e.g. a NUL byte) belongs to one request: find it.
          // Anything else (the database unreachable) fails them all at once, without retrying.
          if (batch.length > 1 && isDataError(error)) return this.runOneByOne(batch);
          for (const item of batch) item.reject(error);
          return undefined;
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  /** After a failed batch, each request on its own: one bad request fails only itself. */
  private async runOneByOne(batch: Pending[]): Promise<void> {
    for (const item of batch) {
      await this.run([item]).catch((error: unknown) => {
        item.reject(error);
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    const result = await sql<Row>`
      WITH input AS (
        SELECT * FROM unnest(
          ${batch.map((_, i) => i)}::int[], ${batch.map((b) => b.tokenKey)}::text[], ${batch.map((b) => b.consumerKey)}::text[],
          ${batch.map((b) => b.secret)}::text[], ${batch.map((b) => b.nonce)}::text[], ${batch.map((b) => b.timestamp)}::bigint[]
        ) AS i(idx, token_key, consumer_key, secret, nonce, ts)
      ), t AS (
        SELECT i.idx, i.token_key, i.nonce, i.ts, i.secret, k.token_secret, u.*
        FROM input i
        JOIN api_tokens k ON k.token_key = i.token_key AND k.consumer_key = i.consumer_key
        JOIN users u ON u.id = k.user_id AND u.is_active
      ), n AS (
        INSERT INTO oauth_nonces (token_key, nonce, timestamp)
        SELECT DISTINCT ON (token_key, nonce) token_key, nonce, ts FROM t
        WHERE t.token_secret = t.secret
        ORDER BY token_key, nonce, idx
        ON CONFLICT DO NOTHING
        RETURNING token_key, nonce
      )
      SELECT t.*, EXISTS (SELECT 1 FROM n WHERE n.token_key = t.token_key AND n.nonce = t.nonce) AS inserted
      FROM t`.execute(this.db);
    const byIndex = new Map<number, Row>(result.rows.map((row) => [row.idx, row]));
    const claimed = new Set<string>();
    batch.forEach((item, idx) => {
      const row = byIndex.get(idx);
      if (!row) {
        item.resolve({ user: undefined, tokenSecret: undefined, fresh: false });
        return;
      }
      // Only the first request of the batch with a given nonce (and the right secret) is fresh.
      const key = `${row.token_key}\u0000${row.nonce}`;
      const fresh = row.inserted && row.token_secret === row.secret && !claimed.has(key);
      if (fresh) claimed.add(key);
      item.resolve({ user: toUser(row), tokenSecret: row.token_secret, fresh });
    });
  }
}

function toUser(row: Row): UserRow {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    password_hash: row.password_hash,
    is_superuser: row.is_superuser,
    is_active: row.is_active,
    is_local: row.is_local,
    first_name: row.first_name,
    last_name: row.last_name,
    date_joined: row.date_joined,
    last_login: row.last_login,
  };
}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}
