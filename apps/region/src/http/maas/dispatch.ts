import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@ferrum/domain';
import type { Services } from '../../services/services.js';
import type { UserRow } from '../../db/schema.js';
import { FormParams, nullCharactersError } from './form-params.js';
import type { MachinePages } from './machine-page-source.js';
import { inlineMachinePages } from './machine-pages.js';
import { JsonArrayStream, RawResponse, type ActionDef, type HandlerDef, type HttpMethod } from './handler.js';
import { extractOAuthParams } from './oauth-params.js';
import { sendMaasError } from './error-reply.js';
import { classifyDatabaseError } from '../../db/pg-errors.js';
import { API_PREFIX, DescriptionCache, describeApi, describeHash } from './describe.js';

export interface MaasApiOptions {
  readonly handlers: readonly HandlerDef[];
  readonly services: Services;
  /** Where long machine lists are serialised; on the event loop when not given. */
  readonly machinePages?: MachinePages;
}

const methods: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** `/zones/{name}/` → `/zones/:name/` in Fastify's syntax. */
function toRoute(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function queryOf(request: FastifyRequest): FormParams {
  const index = request.url.indexOf('?');
  return FormParams.fromSearchParams(new URLSearchParams(index >= 0 ? request.url.slice(index + 1) : ''));
}

/** Whether a JSON value holds a NUL character anywhere, keys included. */
function jsonHasNull(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(jsonHasNull);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => k.includes('\0') || jsonHasNull(v));
  return false;
}

function bodyOf(request: FastifyRequest): FormParams | undefined {
  const body: unknown = request.body;
  if (body === undefined || body === null || body instanceof FormParams) return body ?? undefined;
  // piston's Mimer loads a JSON body into request.data: a JSON object is taken like a form.
  if (typeof body === 'object' && !Array.isArray(body)) {
    const form = new FormParams();
    for (const [key, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (item === null || item === undefined) continue;
        // Nested values reach the form as JSON text, where a NUL is only `\u0000`: look inside.
        if (typeof item === 'object' && jsonHasNull(item)) throw nullCharactersError(key);
        form.add(
          key,
          typeof item === 'object' ? JSON.stringify(item) : String(item as string | number | boolean),
        );
      }
    }
    return form;
  }
  throw new AppError(
    'validation_failed',
    'The request body must be a form (urlencoded or multipart) or a JSON object.',
  );
}

/**
 * Mounts the MAAS API 2.0: every handler's CRUD verbs and `op=` operations (also as the
 * `…/op-<name>` path form), `describe/` from the same definitions, and `X-MAAS-API-Hash`
 * on every response.
 */
export function registerMaasApi(app: FastifyInstance, options: MaasApiOptions): void {
  const description = describeApi(options.handlers);
  const machinePages = options.machinePages ?? inlineMachinePages(options.services.machines);
  const hash = describeHash(description);

  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/MAAS/')) void reply.header('X-MAAS-API-Hash', hash);
  });

  const descriptions = new DescriptionCache(description, hash);
  app.get(`${API_PREFIX}/describe/`, async (request, reply) => {
    // Exactly `application/json`, as MAAS sends it: the maas CLI compares the header verbatim
    // and refuses `application/json; charset=utf-8`. A Buffer stops Fastify adding the charset.
    return reply.type('application/json').send(descriptions.get(`${request.protocol}://${request.host}`));
  });

  const gone = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .status(410)
      .type('text/plain; charset=utf-8')
      .send('The 1.0 API is no longer available. Please use API version 2.0.');
  app.all('/MAAS/api/1.0', gone);
  app.all('/MAAS/api/1.0/*', gone);
  app.get('/MAAS/api/version/', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send('2.0'),
  );

  const byPath = new Map(options.handlers.map((handler) => [handler.path, handler]));
  for (const handler of options.handlers) {
    const route = `${API_PREFIX}${toRoute(handler.path)}`;
    const item = itemHandlerOf(handler, byPath);
    const context: DispatchContext = { services: options.services, machinePages };
    const run = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      dispatch(
        handler,
        request,
        reply,
        context,
        { ...(request.params as Record<string, string>) },
        undefined,
      );
    const runOp = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const { op = '', ...params } = request.params as Record<string, string>;
      // `zones/op-east/` is both the op- form of ZonesHandler and zone "op-east" of ZoneHandler:
      // it is the op when the handler has one of that name, else the item.
      if (item && !handler.actions.some((a) => a.op === op)) {
        return dispatch(
          item.handler,
          request,
          reply,
          context,
          { ...params, [item.param]: `op-${op}` },
          undefined,
        );
      }
      return dispatch(handler, request, reply, context, params, op);
    };
    app.route({ method: methods, url: route, handler: run });
    app.route({ method: methods, url: `${route}op-:op`, handler: runOp });
  }
}

/** The handler of one item of a collection handler (`/zones/{name}/` for `/zones/`), with its parameter. */
function itemHandlerOf(
  handler: HandlerDef,
  byPath: ReadonlyMap<string, HandlerDef>,
): { handler: HandlerDef; param: string } | undefined {
  for (const [path, candidate] of byPath) {
    if (!path.startsWith(handler.path)) continue;
    const param = /^\{(\w+)\}\/$/.exec(path.slice(handler.path.length))?.[1];
    if (param !== undefined) return { handler: candidate, param };
  }
  return undefined;
}

/** The request's parameters, for the NUL check: path parameters are named by their parameter. */
function rejectNullCharacters(
  params: Readonly<Record<string, string>>,
  pathOp: string | undefined,
  query: FormParams,
  body: FormParams | undefined,
): void {
  for (const [name, value] of Object.entries(params))
    if (value.includes('\0')) throw nullCharactersError(name);
  if (pathOp?.includes('\0')) throw nullCharactersError('op');
  const field = query.nullCharacterField() ?? body?.nullCharacterField();
  if (field !== undefined) throw nullCharactersError(field);
}

/** Query for GET; else the body with the query's keys where it has none (`op` alone needs no merge). */
function formOf(method: HttpMethod, query: FormParams, body: FormParams | undefined): FormParams {
  if (method === 'GET') return query;
  if (!query.hasKeysBesides('op')) return body ?? query;
  return (body ?? new FormParams()).withFallback(query);
}

interface DispatchContext {
  readonly services: Services;
  readonly machinePages: MachinePages;
}

async function dispatch(
  handler: HandlerDef,
  request: FastifyRequest,
  reply: FastifyReply,
  { services, machinePages }: DispatchContext,
  params: Readonly<Record<string, string>>,
  pathOp: string | undefined,
): Promise<FastifyReply> {
  let user: UserRow | undefined;
  try {
    // Fastify answers HEAD with a GET route's handler and drops the body: HEAD is a GET here.
    const method = (request.method === 'HEAD' ? 'GET' : request.method) as HttpMethod;
    const query = queryOf(request);
    const body = bodyOf(request);
    // PostgreSQL cannot store U+0000 and fails the whole statement: refuse it here, once, before
    // anything (authentication included) can send it to the database.
    rejectNullCharacters(params, pathOp, query, body);
    const op = pathOp ?? (query.get('op') || body?.get('op') || null);
    const action = handler.actions.find((a) => a.method === method && a.op === op);
    const oauth = extractOAuthParams(request.headers.authorization, query, body);

    if (!action) {
      // Like MAAS's restricted resources, an unauthenticated caller learns nothing about signatures.
      const anyAnonymous = handler.actions.some((a) => a.access === 'anonymous' || a.access === 'optional');
      if (!oauth && !anyAnonymous)
        throw new AppError('unauthenticated', 'Authorization Error: authentication required.');
      // piston authenticates before dispatching: bad credentials are a 401 whatever the op.
      if (oauth) await services.tokens.authenticate(oauth);
      throw new AppError('validation_failed', `Unrecognised signature: method=${method} op=${op ?? 'None'}`);
    }

    if (action.access === 'optional') {
      if (oauth) user = await services.tokens.authenticate(oauth);
    } else if (action.access !== 'anonymous') {
      if (!oauth) throw new AppError('unauthenticated', 'Authorization Error: authentication required.');
      user = await services.tokens.authenticate(oauth);
      if (action.access === 'admin' && !user.is_superuser) {
        throw new AppError(
          'forbidden',
          'You do not have permission to perform this action; it requires administrator rights.',
        );
      }
    }

    const result = await action.run({
      request,
      params,
      form: formOf(method, query, body),
      user,
      services,
      machinePages,
    });
    return await sendResult(reply, action, result);
  } catch (error) {
    if (!(error instanceof AppError)) {
      // The user is bound here, only when logging: a child logger per request costs on the hot path.
      const bindings = { err: error, ...(user ? { username: user.username } : {}) };
      if (classifyDatabaseError(error))
        request.log.warn(bindings, 'database failure answered with a retryable status');
      else request.log.error(bindings, 'unhandled error in MAAS API handler');
    }
    return sendMaasError(reply, error);
  }
}

function sendResult(reply: FastifyReply, action: ActionDef, result: unknown): FastifyReply {
  if (result instanceof RawResponse) {
    for (const [name, value] of Object.entries(result.headers)) void reply.header(name, value);
    if (result.status === 204) return sendNoContent(reply, result.contentType);
    return reply.status(result.status).type(result.contentType).send(result.body);
  }
  if (result instanceof JsonArrayStream) {
    // HEAD has no body: stop the list here rather than have it read and dropped in the background.
    if (reply.request.method === 'HEAD') {
      void result.chunks().return(undefined);
      return reply
        .status(action.status ?? 200)
        .type('application/json')
        .send('');
    }
    // Few chunks buffered: a client that reads slowly holds a few pages, not the list.
    return reply
      .status(action.status ?? 200)
      .type('application/json')
      .send(Readable.from(result.chunks(), { highWaterMark: 2 }));
  }
  if (result === undefined) {
    const status = action.method === 'DELETE' ? 204 : (action.status ?? 200);
    return status === 204
      ? sendNoContent(reply, 'text/plain; charset=utf-8')
      : reply.status(status).type('text/plain; charset=utf-8').send('');
  }
  return reply
    .status(action.status ?? 200)
    .type('application/json')
    .send(JSON.stringify(result));
}

/**
 * 204 with a Content-Type, as Django sends it: the maas CLI calls `.endswith()` on the
 * response's Content-Type, 204 included, and crashes without one. Fastify strips the header
 * from a 204 that has a payload (even an empty one), but keeps it when there is none.
 */
function sendNoContent(reply: FastifyReply, contentType: string): FastifyReply {
  return reply.status(204).header('content-type', contentType).send();
}
