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
  return { name, doc: handler.doc, params: paramsOf(handler.path), path: `${API_PREFIX}${handler.path}`, actions: describeActions(actions) };
}

/**
 * The API description, built from the same handler definitions that route requests.
 * The `auth` face lists every action; the `anon` face (if any) those open to anonymous callers.
 */
export function describeApi(handlers: readonly HandlerDef[]): Description {
  const resources = handlers.map((handler) => {
    const anonActions = handler.actions.filter((a) => a.access === 'anonymous');
    return {
      name: handler.name,
      anon: anonActions.length > 0 ? describeHandler(`Anon${handler.name}`, handler, anonActions) : null,
      auth: describeHandler(handler.name, handler, handler.actions),
    };
  });
  const anon = resources.flatMap((r) => (r.anon ? [r.anon] : []));
  const auth = resources.map((r) => r.auth);
  return { doc: 'MAAS API', resources, handlers: [...anon, ...auth] };
}

/** JSON with keys sorted at every level, as MAAS hashes and serves its description. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-1 of the canonical description; sent as `X-MAAS-API-Hash` on every response. */
export function describeHash(description: Description): string {
  return createHash('sha1').update(canonicalJson(description)).digest('hex');
}

/** The description as served: with the hash and each handler's absolute `uri`. */
export function renderDescription(description: Description, hash: string, origin: string): string {
  const withUri = (h: DescribedHandler | null): (DescribedHandler & { uri: string }) | null => (h ? { ...h, uri: `${origin}${h.path}` } : null);
  return canonicalJson({
    doc: description.doc,
    hash,
    resources: description.resources.map((r) => ({ name: r.name, anon: withUri(r.anon), auth: withUri(r.auth) })),
    handlers: description.handlers.map(withUri),
  });
}
