import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type pg from 'pg';

/** `/metrics` in Prometheus text format: HTTP latency by route and status, the DB pool, the process. */
export function registerMetrics(app: FastifyInstance, pool: pg.Pool): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ferrum_' });
  const duration = new Histogram({
    name: 'ferrum_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'ferrum_http_requests_failed_total',
    help: 'HTTP responses with status 5xx.',
    labelNames: ['method', 'route'],
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  poolGauge('ferrum_db_pool_connections', 'Open database connections.', () => pool.totalCount);
  poolGauge('ferrum_db_pool_idle', 'Idle database connections.', () => pool.idleCount);
  poolGauge('ferrum_db_pool_waiting', 'Queries waiting for a database connection.', () => pool.waitingCount);

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, so that label cardinality stays bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) errors.inc({ method: request.method, route });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}
