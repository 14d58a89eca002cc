import type { FastifyRequest } from 'fastify';
import type { UserRow } from '../../db/schema.js';
import type { FormParams } from './form-params.js';
import type { Services } from '../../services/services.js';
import type { MachinePages } from './machine-page-source.js';

/** The methods actions are defined for; HEAD is dispatched as GET. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may run an action: anyone, any signed-in user, or administrators only. `optional` is
 * MAAS's pair of an anonymous and an authenticated handler for one operation (e.g. POST
 * machines/: enlistment without credentials, creation by an admin with them): the action runs
 * with `user` set when the request is signed and undefined when it is not.
 */
export type Access = 'anonymous' | 'optional' | 'user' | 'admin';

export interface ActionContext {
  readonly request: FastifyRequest;
  /** Path parameters, e.g. `{ name: 'default' }` for `zones/{name}/`. */
  readonly params: Readonly<Record<string, string>>;
  /** Query for GET; body (falling back to query) for other methods. */
  readonly form: FormParams;
  /** The signed-in user; always set unless the action's access is `anonymous` or `optional`. */
  readonly user: UserRow | undefined;
  readonly services: Services;
  /** Where long machine lists are read and serialised (worker threads in a running region). */
  readonly machinePages: MachinePages;
}

/** What an action may return besides a JSON-serialisable value. */
export class RawResponse {
  constructor(
    readonly status: number,
    readonly body: string | Buffer,
    readonly contentType = 'text/plain; charset=utf-8',
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/**
 * A JSON array sent as it is produced, a page of items at a time, so a list of any length is
 * never built whole in memory (one string of a 50,000-machine list would exceed V8's string
 * limit). The first page is produced before the answer starts, so bad input and failures known
 * up front still get a proper error status; a failure after that cuts the answer short.
 */
export class JsonArrayStream {
  private constructor(private readonly source: AsyncGenerator<string | Uint8Array>) {}

  /** `pages` of items, each item serialised to JSON by `serialise`. */
  static of<T>(pages: AsyncIterable<readonly T[]>, serialise: (item: T) => string): Promise<JsonArrayStream> {
    return JsonArrayStream.ofSlices(
      (async function* () {
        for await (const page of pages) yield page.map(serialise).join(',');
      })(),
    );
  }

  /** `slices` of the array already serialised: each the JSON of some items joined by commas. */
  static async ofSlices(slices: AsyncIterable<string | Uint8Array>): Promise<JsonArrayStream> {
    const iterator = slices[Symbol.asyncIterator]();
    const first = await iterator.next();
    async function* chunks(): AsyncGenerator<string | Uint8Array> {
      let started = false;
      let step = first;
      try {
        while (step.done !== true) {
          if (step.value.length > 0) {
            yield started ? ',' : '[';
            yield step.value;
            started = true;
          }
          step = await iterator.next();
        }
        yield started ? ']' : '[]';
      } finally {
        // Ended early (the client went away, HEAD): the source stops producing too.
        if (step.done !== true) await iterator.return?.();
      }
    }
    return new JsonArrayStream(chunks());
  }

  /** The array's text, chunk by chunk; may be read once. */
  chunks(): AsyncGenerator<string | Uint8Array> {
    return this.source;
  }
}

/** 204 No Content, with the Content-Type the maas CLI insists on. */
export function noContent(): RawResponse {
  return new RawResponse(204, '');
}

export interface ActionDef {
  /** `read`/`create`/`update`/`delete` for CRUD, else the op name. */
  readonly name: string;
  readonly method: HttpMethod;
  /** The `op=` value; null for CRUD. */
  readonly op: string | null;
  readonly access: Access;
  /** Docstring shown in describe; `:param name:` lines let the maas CLI take `name=value` arguments. */
  readonly doc: string;
  /** Status for a successful result (200 unless stated). */
  readonly status?: number;
  /**
   * Returns the result (or a promise of it): a JSON value, a RawResponse, a JsonArrayStream, or
   * undefined for 204.
   */
  run(ctx: ActionContext): unknown;
}

/** One MAAS handler: a URL pattern and its actions, as listed by `describe/`. */
export interface HandlerDef {
  /**
   * e.g. `ZonesHandler`. In describe, the anonymous face of a handler with some anonymous
   * actions is `Anon` + name; a handler whose actions are all anonymous keeps its name.
   */
  readonly name: string;
  readonly doc: string;
  /** Path under `/MAAS/api/2.0`, with `{param}` placeholders, ending in `/`. */
  readonly path: string;
  readonly actions: readonly ActionDef[];
  /**
   * Routed but left out of `describe/`: compatibility aliases for paths real clients ask for
   * that MAAS lacks. Described, an alias would give the maas CLI a second command for the same
   * resource (or a duplicate command name, which argparse refuses).
   */
  readonly undocumented?: boolean;
}

/** A CRUD action: GET→read, POST→create, PUT→update, DELETE→delete. */
export function crud(
  name: 'read' | 'create' | 'update' | 'delete',
  access: Access,
  doc: string,
  run: ActionDef['run'],
  status?: number,
): ActionDef {
  const method = ({ read: 'GET', create: 'POST', update: 'PUT', delete: 'DELETE' } as const)[name];
  return { name, method, op: null, access, doc, run, ...(status !== undefined ? { status } : {}) };
}

/** A named operation: idempotent ones are GET `?op=`, the others POST `?op=`. */
export function operation(
  op: string,
  method: 'GET' | 'POST',
  access: Access,
  doc: string,
  run: ActionDef['run'],
): ActionDef {
  return { name: op, method, op, access, doc, run };
}

/** The signed-in user of an action whose access is not anonymous. */
export function currentUser(ctx: ActionContext): UserRow {
  if (!ctx.user) throw new Error('action ran without a user although its access requires one');
  return ctx.user;
}
