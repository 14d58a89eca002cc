// Password logins cost an scrypt hash each (32 MiB on the libuv pool): they are run two at a
// time with a short queue (503 beyond), and a username that keeps failing is refused for a
// while (429). Real concurrent requests against real hashes and a real database.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { buildApp, type AppDeps } from '../../src/app.js';
import type { UserService } from '../../src/services/user-service.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  region = await startTestRegion();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await region.close();
});

/** The region's users service, counting the password checks in progress. */
function countingUsers(): { users: UserService; maxInFlight: () => number; started: () => number } {
  const real = region.services.users;
  let inFlight = 0;
  let max = 0;
  let started = 0;
  const users: UserService = Object.create(real) as UserService;
  users.checkPassword = async (username, password) => {
    inFlight++;
    started++;
    max = Math.max(max, inFlight);
    try {
      return await real.checkPassword(username, password);
    } finally {
      inFlight--;
    }
  };
  return { users, maxInFlight: () => max, started: () => started };
}

async function appWith(
  extra: Partial<AppDeps>,
  users: UserService = region.services.users,
): Promise<FastifyInstance> {
  const app = await buildApp({
    services: { ...region.services, users },
    pool: region.database.pool,
    logger: createLogger({ level: 'silent', pretty: false }),
    version: '0.0.0-test',
    startedAt: Date.now(),
    url: () => 'http://localhost/MAAS/',
    ...extra,
  });
  apps.push(app);
  await app.ready();
  return app;
}

function login(app: FastifyInstance, username: string, password: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/MAAS/accounts/authenticate/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username, password }).toString(),
  });
}

const statuses = (responses: readonly LightMyRequestResponse[]) => responses.map((r) => r.statusCode);
const count = (responses: readonly LightMyRequestResponse[], status: number) =>
  responses.filter((r) => r.statusCode === status).length;

describe('concurrent password checks', () => {
  it('runs at most two at once, queues a few and answers the rest 503 with Retry-After', async () => {
    const counter = countingUsers();
    const app = await appWith({ loginThrottle: { concurrentChecks: 2, queuedChecks: 4 } }, counter.users);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(app, `flood-${String(i)}`, 'wrong')),
    );
    expect(counter.maxInFlight()).toBe(2);
    // 2 running and 4 waiting are checked; whatever arrives while they are full is refused.
    expect(count(responses, 403)).toBeGreaterThanOrEqual(6);
    expect(count(responses, 403)).toBe(counter.started());
    expect(count(responses, 503)).toBeGreaterThan(0);
    expect(count(responses, 403) + count(responses, 503), statuses(responses).join(' ')).toBe(20);
    for (const response of responses.filter((r) => r.statusCode === 503)) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.body).toBe('Too many logins are being checked; try again shortly.');
    }
  });

  it('keeps a good login fast while 200 bad ones are in flight, and lets it in once they are done', async () => {
    const counter = countingUsers();
    const app = await appWith({}, counter.users);
    const flood = Array.from({ length: 200 }, (_, i) => login(app, `crowd-${String(i)}`, 'wrong'));
    const started = Date.now();
    const good = await login(app, 'alice', 'alice-pass');
    const waited = Date.now() - started;
    const bad = await Promise.all(flood);
    // Refused at once (503, retry) or checked after at most the 32 queued ones: never seconds behind 200 hashes.
    expect([200, 503]).toContain(good.statusCode);
    expect(waited).toBeLessThan(4_000);
    expect(counter.maxInFlight()).toBeLessThanOrEqual(2);
    expect(count(bad, 503)).toBeGreaterThan(100);
    expect((await login(app, 'alice', 'alice-pass')).statusCode).toBe(200);
  });
});

describe('repeated failures for one username', () => {
  it('refuses the username with 429 and Retry-After after 5 failures in a minute, right password or not', async () => {
    let now = 1_000_000;
    const app = await appWith({ loginThrottle: { now: () => now } });
    for (let i = 0; i < 5; i++) {
      now += 1_000;
      expect((await login(app, 'alice', `wrong-${String(i)}`)).statusCode).toBe(403);
    }
    const locked = await login(app, 'alice', 'alice-pass');
    expect([locked.statusCode, locked.headers['retry-after'], locked.body]).toEqual([
      429,
      '5',
      'Too many failed logins for this username; try again in 5 s.',
    ]);
    // Other usernames are not affected.
    expect((await login(app, 'admin', 'admin-pass')).statusCode).toBe(200);
    now += 3_000;
    expect((await login(app, 'alice', 'alice-pass')).headers['retry-after']).toBe('2');
    now += 2_000;
    expect((await login(app, 'alice', 'alice-pass')).statusCode).toBe(200);
    // A success forgets the failures: the next wrong password is an ordinary 403.
    expect((await login(app, 'alice', 'wrong-again')).statusCode).toBe(403);
  });

  it('forgets failures older than the window', async () => {
    let now = 5_000_000;
    const app = await appWith({ loginThrottle: { now: () => now } });
    for (let i = 0; i < 4; i++) expect((await login(app, 'admin', 'wrong')).statusCode).toBe(403);
    now += 61_000;
    expect((await login(app, 'admin', 'wrong')).statusCode).toBe(403);
    expect((await login(app, 'admin', 'admin-pass')).statusCode).toBe(200);
  });

  it('treats an unknown username exactly like a known one', async () => {
    let now = 9_000_000;
    const app = await appWith({ loginThrottle: { now: () => now } });
    const answers: [number, string | undefined][] = [];
    for (const username of ['alice', 'nobody-here']) {
      for (let i = 0; i < 5; i++) await login(app, username, 'wrong');
      const refused = await login(app, username, 'wrong');
      answers.push([refused.statusCode, refused.headers['retry-after']]);
      now += 10_000;
    }
    expect(answers).toEqual([
      [429, '5'],
      [429, '5'],
    ]);
  });

  it('does not hash a password for a refused username', async () => {
    const counter = countingUsers();
    const now = 12_000_000;
    const app = await appWith({ loginThrottle: { now: () => now } }, counter.users);
    for (let i = 0; i < 5; i++) await login(app, 'alice', 'wrong');
    const before = counter.started();
    const refused = await Promise.all(Array.from({ length: 10 }, () => login(app, 'alice', 'wrong')));
    expect(statuses(refused)).toEqual(Array.from({ length: 10 }, () => 429));
    expect(counter.started()).toBe(before);
  });
});
