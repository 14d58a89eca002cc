import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/services.js';

export interface HealthInfo {
  readonly status: 'ok' | 'degraded';
  readonly version: string;
  readonly database: {
    readonly reachable: boolean;
    readonly schemaVersion: string | null;
    /** What is wrong, as a category; the database's own message goes to the log only. */
    readonly error?: 'unreachable' | 'schema_unreadable';
  };
  readonly uptimeSeconds: number;
  readonly url: string;
}

/** Where the health check writes what the database said. */
export interface HealthLog {
  warn(details: { err: unknown }, message: string): void;
}

/** What health reports besides the database; `url` is read late: the port is known only after listen. */
export interface HealthSource {
  readonly version: string;
  readonly startedAt: number;
  readonly url: () => string;
}

/**
 * Region health as `ferrum status` and load balancers read it. Anyone may ask, so a database
 * failure is reported by category: PostgreSQL's message names hosts, users and databases.
 */
export async function readHealth(
  services: Services,
  info: HealthSource,
  log: HealthLog,
): Promise<HealthInfo> {
  const status = await services.databaseStatus.check();
  let database: HealthInfo['database'];
  if ('problem' in status) {
    log.warn({ err: status.cause }, `health check: database ${status.problem}`);
    database = { reachable: status.reachable, schemaVersion: null, error: status.problem };
  } else {
    database = { reachable: true, schemaVersion: status.schemaVersion };
  }
  return {
    status: database.error === undefined ? 'ok' : 'degraded',
    version: info.version,
    database,
    uptimeSeconds: Math.round((Date.now() - info.startedAt) / 1000),
    url: info.url(),
  };
}

export function registerHealth(app: FastifyInstance, services: Services, info: HealthSource): void {
  app.get('/api/v1/health', async (request, reply) => {
    const health = await readHealth(services, info, request.log);
    return reply.status(health.status === 'ok' ? 200 : 503).send(health);
  });
}
