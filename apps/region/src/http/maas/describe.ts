import { createHash } from 'node:crypto';
import type { ActionDef, HandlerDef } from './handler.js';

export const API_PREFIX = '/MAAS/api/2.0';

interface DescribedAction {
  name: string;
  method: string;
  op: string | null;
  restful: boolean;
  doc: string;
}

interface DescribedHandler {
  name: string;
  doc: string;
  params: string[];
  path: string;
  actions: DescribedAction[];
}

export interface Description {
  doc: string;
  resources: { name: string; anon: DescribedHandler | null; auth: DescribedHandler | null }[];
  handlers: DescribedHandler[];
}

function paramsOf(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

function describeActions(actions: readonly ActionDef[]): DescribedAction[] {
  return actions
    .map((a) => ({ name: a.name, method: a.method, op: a.op, restful: a.op === null, doc: a.doc }))
    .sort((x, y) => x.name.localeCompare(y.name) || x.method.localeCompare(y.method));
}

function describeHandler(name: string, handler: HandlerDef, actions: readonly ActionDef[]): DescribedHandler {
  return {
    name,
    doc: handler.doc,
    params: paramsOf(handler.path),
    path: `${API_PREFIX}${handler.path}`,
    actions: describeActions(actions),
  };
}

/**
 * The API description, built from the same handler definitions that route requests.
 * As MAAS's doc.py `describe_resource`: a handler whose actions are all anonymous (a resource
 * without authentication, such as VersionHandler) is only an `anon` face under its own name,
 * with `auth` null; any other has an `auth` face listing every action and, when some actions
 * are open to anonymous callers, an `anon` face named `Anon` + name with those.
 * Undocumented handlers (compatibility aliases) are routed but not described.
 */
export function describeApi(handlers: readonly HandlerDef[]): Description {
  const resources = handlers
    .filter((handler) => handler.undocumented !== true)
    .map((handler) => {
      const anonActions = handler.actions.filter((a) => a.access === 'anonymous' || a.access === 'optional');
      if (handler.actions.every((a) => a.access === 'anonymous')) {
        return { name: handler.name, anon: describeHandler(handler.name, handler, anonActions), auth: null };
      }
      return {
        name: handler.name,
        anon: anonActions.length > 0 ? describeHandler(`Anon${handler.name}`, handler, anonActions) : null,
        auth: describeHandler(handler.name, handler, handler.actions),
      };
    });
  // MAAS lists resources by name (doc.py describe_api); the hash does not depend on the order.
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The legacy `handlers` list: every anon face, then every auth face.
  const anon = resources.flatMap((r) => (r.anon ? [r.anon] : []));
  const auth = resources.flatMap((r) => (r.auth ? [r.auth] : []));
  return { doc: 'MAAS API', resources, handlers: [...anon, ...auth] };
}

/** JSON with keys sorted at every level, as MAAS serves its description (`sort_keys=True`). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** MAAS's canonical form of a description: every list and every dict (as `[key, value]` pairs) sorted. */
type Canonical = null | boolean | number | string | readonly Canonical[];

function toCanonical(value: unknown): Canonical {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string')
    return value;
  if (Array.isArray(value)) return value.map(toCanonical).sort(compareCanonical);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): Canonical => [k, toCanonical(v)])
      .sort(compareCanonical);
  }
  throw new TypeError(`cannot canonicalise a ${typeof value}`);
}

/** MAAS's `key_canonical` order: None < number/bool < str (by code point) < tuple (element-wise). */
function compareCanonical(a: Canonical, b: Canonical): number {
  const rank = (v: Canonical): number =>
    v === null ? 0 : typeof v === 'string' ? 2 : Array.isArray(v) ? 3 : 1;
  const difference = rank(a) - rank(b);
  if (difference !== 0) return difference;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareCanonical(a[i] as Canonical, b[i] as Canonical);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return Number(a) - Number(b);
}

/** Python's str order (code points); JavaScript's `<` compares UTF-16 units, which differs past U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
}

/** Python's `json.dumps` of the canonical form: `", "` separators, non-ASCII as `\uXXXX`. */
function pythonJson(value: Canonical): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  return JSON.stringify(value);
}

/**
 * SHA-1 of the description in MAAS's canonical form (maasserver/api/doc.py `hash_canonical`),
 * so the hash is the one MAAS's algorithm gives for this description. It is sent as
 * `X-MAAS-API-Hash` on every response; the maas CLI compares it with its cached describe.
 */
export function describeHash(description: Description): string {
  return createHash('sha1')
    .update(pythonJson(toCanonical(description)), 'ascii')
    .digest('hex');
}

/** The description as served: with the hash and each handler's absolute `uri` (see DescriptionCache). */
export function renderDescription(description: Description, hash: string, origin: string): string {
  const withUri = (h: DescribedHandler | null): (DescribedHandler & { uri: string }) | null =>
    h ? { ...h, uri: `${origin}${h.path}` } : null;
  return canonicalJson({
    doc: description.doc,
    hash,
    resources: description.resources.map((r) => ({
      name: r.name,
      anon: withUri(r.anon),
      auth: withUri(r.auth),
    })),
    handlers: description.handlers.map(withUri),
  });
}

/**
 * Rendered descriptions by origin. The origin comes from the Host header, which any caller
 * chooses, so only a few are kept (the oldest is dropped first).
 */
export class DescriptionCache {
  private readonly rendered = new Map<string, Buffer>();

  constructor(
    private readonly description: Description,
    private readonly hash: string,
    private readonly maxOrigins = 8,
  ) {}

  /** UTF-8 bytes of the description served at `origin`. */
  get(origin: string): Buffer {
    let body = this.rendered.get(origin);
    if (body === undefined) {
      body = Buffer.from(renderDescription(this.description, this.hash, origin), 'utf8');
      if (this.rendered.size >= this.maxOrigins) {
        const oldest = this.rendered.keys().next();
        if (oldest.done !== true) this.rendered.delete(oldest.value);
      }
      this.rendered.set(origin, body);
    }
    return body;
  }

  /** How many origins are cached (for tests). */
  get size(): number {
    return this.rendered.size;
  }
}
