import { DEFAULT_TOKEN_NAME } from '../services/default-token-name.js';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@ferrum/domain';
import type { Services } from '../services/services.js';
import { FormParams, nullCharactersError } from './maas/form-params.js';
import { sendMaasError } from './maas/error-reply.js';

/** Limits on password logins; each check is an scrypt hash (32 MiB, a libuv pool thread). */
export interface LoginThrottleOptions {
  /** Password checks running at once. */
  readonly concurrentChecks: number;
  /** Checks waiting for a slot; one more is refused with 503 and Retry-After. */
  readonly queuedChecks: number;
  /** Failed logins for one username within `failureWindowMs` before it is refused for a while. */
  readonly failuresAllowed: number;
  readonly failureWindowMs: number;
  /** How long a username is refused after its last failure once it is over the allowance. */
  readonly lockoutMs: number;
  /** Usernames whose failures are remembered; the oldest are forgotten first. */
  readonly trackedUsernames: number;
  /** Milliseconds since the epoch (a parameter so tests can move time). */
  readonly now: () => number;
}

export const defaultLoginThrottle: LoginThrottleOptions = {
  concurrentChecks: 2,
  queuedChecks: 32,
  failuresAllowed: 5,
  failureWindowMs: 60_000,
  lockoutMs: 5_000,
  trackedUsernames: 10_000,
  now: () => Date.now(),
};

/** At most `concurrency` tasks at once, at most `queueLimit` waiting; beyond that, 503. */
class PasswordCheckGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    else if (this.waiting.length < this.queueLimit)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    else
      throw new AppError('unavailable', 'Too many logins are being checked; try again shortly.', {
        retryAfterSeconds: 1,
      });
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` only drops when none waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Recent failed logins per username, in memory; bounded in usernames and in entries each. */
class LoginFailures {
  private readonly byUsername = new Map<string, { times: number[]; refusedUntil: number }>();

  constructor(private readonly options: LoginThrottleOptions) {}

  /** Seconds `username` must wait before its next attempt, or 0. */
  retryAfterSeconds(username: string): number {
    const entry = this.byUsername.get(keyOf(username));
    const wait = entry ? entry.refusedUntil - this.options.now() : 0;
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  recordFailure(username: string): void {
    const key = keyOf(username);
    const now = this.options.now();
    const entry = this.byUsername.get(key) ?? { times: [], refusedUntil: 0 };
    entry.times = entry.times
      .filter((t) => t > now - this.options.failureWindowMs)
      .slice(-(this.options.failuresAllowed - 1));
    entry.times.push(now);
    if (entry.times.length >= this.options.failuresAllowed) entry.refusedUntil = now + this.options.lockoutMs;
    // Re-inserted so that the Map's order is least recently failed first.
    this.byUsername.delete(key);
    if (this.byUsername.size >= this.options.trackedUsernames) {
      const oldest = this.byUsername.keys().next();
      if (oldest.done !== true) this.byUsername.delete(oldest.value);
    }
    this.byUsername.set(key, entry);
  }

  recordSuccess(username: string): void {
    this.byUsername.delete(keyOf(username));
  }
}

/** Usernames are at most 150 characters (Django); longer ones cannot exist and share a key. */
function keyOf(username: string): string {
  return username.slice(0, 200);
}

/**
 * `POST /MAAS/accounts/authenticate/`: username and password in, a new API key out
 * (`maas login` without a key, and the Python client library, use it).
 *
 * MAAS has no throttle here; Ferrum adds two, because every attempt costs an scrypt hash:
 * - at most `concurrentChecks` hashes at once and `queuedChecks` waiting, else 503 with
 *   Retry-After (what MAAS answers when it is busy, e.g. a database serialisation failure), so
 *   a flood of bad logins cannot make a good one wait for seconds;
 * - a username with `failuresAllowed` failures within `failureWindowMs` is refused for
 *   `lockoutMs` after its last failure, right password or not, with 429 Too Many Requests and
 *   Retry-After (RFC 6585; not 403, which clients report as a wrong password). Unknown
 *   usernames are counted the same way, so the answer does not tell which ones exist.
 */
export function registerAccounts(
  app: FastifyInstance,
  services: Services,
  throttle: LoginThrottleOptions = defaultLoginThrottle,
): void {
  const gate = new PasswordCheckGate(throttle.concurrentChecks, throttle.queuedChecks);
  const failures = new LoginFailures(throttle);

  app.post('/MAAS/accounts/authenticate/', async (request, reply) => {
    try {
      const form = request.body instanceof FormParams ? request.body : new FormParams();
      const username = form.required('username');
      const password = form.required('password');
      // PostgreSQL cannot store U+0000; a NUL must not reach the user lookup.
      const nullField = form.nullCharacterField();
      if (nullField !== undefined) throw nullCharactersError(nullField);
      const wait = failures.retryAfterSeconds(username);
      if (wait > 0) {
        return await reply
          .status(429)
          .header('Retry-After', String(wait))
          .type('text/plain; charset=utf-8')
          .send(`Too many failed logins for this username; try again in ${String(wait)} s.`);
      }
      const user = await gate.run(() => services.users.checkPassword(username, password));
      if (!user) {
        failures.recordFailure(username);
        throw new AppError('forbidden', 'Invalid username or password.');
      }
      failures.recordSuccess(username);
      const token = await services.tokens.create(user.id, form.get('consumer') || DEFAULT_TOKEN_NAME);
      await services.events.audit(
        user.username,
        `Created API key '${token.name}' by password authentication.`,
      );
      return await reply.type('application/json').send({
        consumer_key: token.consumer_key,
        token_key: token.token_key,
        token_secret: token.token_secret,
        name: token.name,
      });
    } catch (error) {
      if (!(error instanceof AppError))
        request.log.error({ err: error }, 'password authentication failed unexpectedly');
      return sendMaasError(reply, error);
    }
  });
  // A Django view that only takes POST answers other methods with 405, naming the allowed one.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/MAAS/accounts/authenticate/',
    handler: async (_request, reply) =>
      reply
        .status(405)
        .header('Allow', 'POST')
        .type('text/plain; charset=utf-8')
        .send('Method not allowed: use POST.'),
  });
}
