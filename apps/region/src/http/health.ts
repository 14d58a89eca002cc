import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Services } from '../services/services.js';
import { currentSchemaVersion } from '../db/migrator.js';

export interface HealthInfo {
  readonly status: 'ok' | 'degraded';
  readonly version: string;
  readonly database: { readonly reachable: boolean; readonly schemaVersion: string | null; readonly error?: string };
  readonly uptimeSeconds: number;
  readonly url: string;
}

/** Region health as `ferrum status` and load balancers read it. */
export async function readHealth(services: Services, info: { version: string; startedAt: number; url: string }): Promise<HealthInfo> {
  let database: HealthInfo['database'];
  try {
    await sql`SELECT 1`.execute(services.db);
    database = { reachable: true, schemaVersion: (await currentSchemaVersion(services.db)) ?? null };
  } catch (error) {
    database = { reachable: false, schemaVersion: null, error: (error as Error).message };
  }
  return {
    status: database.reachable ? 'ok' : 'degraded',
    version: info.version,
    database,
    uptimeSeconds: Math.round((Date.now() - info.startedAt) / 1000),
    url: info.url,
  };
}

export function registerHealth(app: FastifyInstance, services: Services, info: { version: string; startedAt: number; url: string }): void {
  app.get('/api/v1/health', async (_request, reply) => {
    const health = await readHealth(services, info);
    return reply.status(health.status === 'ok' ? 200 : 503).send(health);
  });
}
