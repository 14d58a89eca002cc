import { randomUUID } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Logger } from '@ferrum/kit';
import type { Services } from './services/services.js';
import { defaultBodyLimits, registerBodyParsers, type BodyLimits } from './http/maas/body-parsers.js';
import { registerMaasApi } from './http/maas/dispatch.js';
import type { MachinePages } from './http/maas/machine-page-source.js';
import { allMaasHandlers } from './http/maas/resources/index.js';
import { registerMetrics } from './http/metrics.js';
import { defaultLoginThrottle, registerAccounts, type LoginThrottleOptions } from './http/accounts.js';
import { registerHealth } from './http/health.js';
import { registerMetadataApi } from './http/metadata/register-metadata-api.js';
import { defaultLingerMs, registerLingeringClose } from './http/lingering-close.js';
import { serializeRequest } from './http/log-serializers.js';
import { sendMaasError } from './http/maas/error-reply.js';
import { AppError } from '@ferrum/domain';

export interface AppDeps {
  readonly services: Services;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly version: string;
  readonly startedAt: number;
  /** The URL this region is reached at (read when asked: the port is known after listen). */
  readonly url: () => string;
  /** Request body limits; MAAS's (Django's) defaults unless given. */
  readonly bodyLimits?: Partial<BodyLimits>;
  /** Password-login throttling; see registerAccounts. */
  readonly loginThrottle?: Partial<LoginThrottleOptions>;
  /** Where long machine lists are read and serialised; on the event loop when not given. */
  readonly machinePages?: MachinePages;
  /** Serve HTTPS (and the rack RPC as wss://) with this certificate and key, in PEM. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/** The region's HTTP application, without `listen()`, so tests drive it with `inject()` too. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // pino's Logger seen as Fastify's logger interface (Fastify would otherwise type routes by pino's class).
  // Our request serializer wins over Fastify's (a parent logger's serializers take precedence).
  const bodyLimits: BodyLimits = { ...defaultBodyLimits, ...deps.bodyLimits };
  const loggerInstance: FastifyBaseLogger = deps.logger.child({}, { serializers: { req: serializeRequest } });
  const app = Fastify({
    loggerInstance,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: bodyLimits.bodyBytes,
    // HTTPS on the same port when the region has a certificate. An https.Server serves requests
    // (and WebSocket upgrades) as an http.Server does; Fastify's type only knows the latter here.
    ...(deps.tls
      ? {
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
            createHttpsServer({ cert: deps.tls?.cert, key: deps.tls?.key }, handler) as unknown as Server,
        }
      : {}),
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  registerLingeringClose(app, defaultLingerMs);
  registerBodyParsers(app, bodyLimits);
  registerMetrics(app, deps.pool);
  registerHealth(app, deps.services, { version: deps.version, startedAt: deps.startedAt, url: deps.url });
  registerAccounts(app, deps.services, { ...defaultLoginThrottle, ...deps.loginThrottle });
  registerMetadataApi(app, deps.services);
  registerMaasApi(app, {
    handlers: allMaasHandlers(deps.version),
    services: deps.services,
    ...(deps.machinePages ? { machinePages: deps.machinePages } : {}),
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith('/MAAS/'))
      return sendMaasError(
        reply,
        new AppError('not_found', `Not Found: ${request.method} ${request.url.split('?')[0] ?? ''}`),
      );
    return reply
      .status(404)
      .send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}` });
  });
  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof AppError) return sendMaasError(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own client errors: bad JSON, body too large, unsupported content type.
      return reply
        .status(status)
        .type('text/plain; charset=utf-8')
        .send((error as Error).message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendMaasError(reply, error);
  });
  return app;
}
