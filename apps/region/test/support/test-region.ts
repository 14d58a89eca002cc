import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLogger } from '@ferrum/kit';
import { buildApp } from '../../src/app.js';
import { createServices, type Services } from '../../src/services/services.js';
import { formatApiKey } from '../../src/services/token-service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { testSecrets } from './test-secrets.js';
import { fakeRackCaller } from './fake-racks.js';
import { oauthHeader, type SignOptions } from './oauth.js';

export interface RequestOptions extends SignOptions {
  /** API key to sign with; omit for an anonymous request. */
  readonly key?: string;
  /** Form fields sent urlencoded (repeat a key by giving an array). */
  readonly form?: Record<string, string | string[]>;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface TestRegion {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly database: TestDatabase;
  readonly adminKey: string;
  readonly userKey: string;
  /** Seconds the test clock is moved from the real one. */
  clockOffset: number;
  request(method: string, url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The users every test region has: `admin` (administrator) and `alice`, with an API key each. */
export async function seedUsers(
  services: Services,
  tokenName = 'test',
): Promise<{ adminKey: string; userKey: string }> {
  const admin = await services.users.create({
    username: 'admin',
    email: 'admin@example.com',
    password: 'admin-pass',
    isSuperuser: true,
  });
  const alice = await services.users.create({
    username: 'alice',
    email: 'alice@example.com',
    password: 'alice-pass',
    isSuperuser: false,
  });
  return {
    adminKey: formatApiKey(await services.tokens.create(admin.id, tokenName)),
    userKey: formatApiKey(await services.tokens.create(alice.id, tokenName)),
  };
}

/**
 * One test region for the whole file: started before its tests, closed after them. The
 * returned object stands for the region once it has started.
 */
export function useTestRegion(): TestRegion {
  let current: TestRegion | undefined;
  beforeAll(async () => {
    current = await startTestRegion();
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestRegion, {
    get: (_target, key) => {
      if (!current) throw new Error('the test region is used before beforeAll started it');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
    set: (_target, key, value) => {
      if (!current) throw new Error('the test region is used before beforeAll started it');
      return Reflect.set(current, key, value);
    },
  });
}

/** A region app on its own fresh database, with an admin `admin` and a normal user `alice`. */
export async function startTestRegion(): Promise<TestRegion> {
  const database = await createTestDatabase();
  const region: { clockOffset: number } = { clockOffset: 0 };
  const services = createServices({
    db: database.db,
    secrets: testSecrets(),
    nowSeconds: () => Math.floor(Date.now() / 1000) + region.clockOffset,
    rackCaller: fakeRackCaller(),
  });
  const app = await buildApp({
    services,
    pool: database.pool,
    logger: createLogger({ level: 'silent', pretty: false }),
    version: '0.0.0-test',
    startedAt: Date.now(),
    url: () => 'http://localhost/MAAS/',
  });
  await app.ready();
  const { adminKey, userKey } = await seedUsers(services);
  // As the region does at start: the built-in scripts commissioning and testing run.
  await services.scripts.ensureBuiltins();
  return Object.assign(region, {
    app,
    services,
    database,
    adminKey,
    userKey,
    request: (method: string, url: string, options: RequestOptions = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers['authorization'] = oauthHeader(options.key, options);
      let payload: string | Buffer | undefined = options.body;
      if (options.form) {
        const search = new URLSearchParams();
        for (const [k, v] of Object.entries(options.form))
          for (const item of Array.isArray(v) ? v : [v]) search.append(k, item);
        payload = search.toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      return app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
    },
    close: async () => {
      await app.close();
      // Automatic tags still being evaluated would read a database about to go.
      await services.tagApplier.stop();
      await database.drop();
    },
  });
}
