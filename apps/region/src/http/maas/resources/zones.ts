import { crud, currentUser, type HandlerDef } from '../handler.js';
import { renderPool, renderZone } from '../render.js';
import type { NamedObjectRow } from '../../../db/schema.js';

/** What tells zones and resource pools apart on the wire: handler names, paths and docs. */
interface NamedObjectApi {
  readonly service: 'zones' | 'pools';
  readonly render: (row: NamedObjectRow) => unknown;
  readonly collection: { readonly name: string; readonly doc: string; readonly path: string };
  /** `param` is the path parameter naming one object: a zone's name, a pool's id or name. */
  readonly item: {
    readonly name: string;
    readonly doc: string;
    readonly path: string;
    readonly param: string;
  };
  /** Docs of each action, as MAAS words them. */
  readonly docs: {
    readonly list: string;
    readonly create: string;
    readonly read: string;
    readonly update: string;
    readonly delete: string;
  };
}

/** The collection and item handlers of a kind of named object: list and create; read, update and delete. */
function namedObjectHandlers(api: NamedObjectApi): HandlerDef[] {
  const key = (params: Readonly<Record<string, string>>) => params[api.item.param] ?? '';
  return [
    {
      name: api.collection.name,
      doc: api.collection.doc,
      path: api.collection.path,
      actions: [
        crud('read', 'user', api.docs.list, async ({ services }) =>
          (await services[api.service].list()).map(api.render),
        ),
        crud('create', 'admin', api.docs.create, async (ctx) =>
          api.render(
            await ctx.services[api.service].create(
              { name: ctx.form.required('name'), description: ctx.form.get('description') ?? '' },
              currentUser(ctx).username,
            ),
          ),
        ),
      ],
    },
    {
      name: api.item.name,
      doc: api.item.doc,
      path: api.item.path,
      actions: [
        crud('read', 'user', api.docs.read, async (ctx) =>
          api.render(await ctx.services[api.service].get(key(ctx.params))),
        ),
        crud('update', 'admin', api.docs.update, async (ctx) =>
          api.render(
            await ctx.services[api.service].update(
              key(ctx.params),
              { name: ctx.form.get('name'), description: ctx.form.get('description') },
              currentUser(ctx).username,
            ),
          ),
        ),
        crud('delete', 'admin', api.docs.delete, async (ctx) => {
          await ctx.services[api.service].delete(key(ctx.params), currentUser(ctx).username);
        }),
      ],
    },
  ];
}

const zoneParams =
  ':param name: The name of the zone.\n:type name: String\n\n:param description: A brief description of the new zone.\n:type description: String';
const zoneName = ':param name: The name of the zone.\n:type name: String';

export const zonesHandlers: HandlerDef[] = namedObjectHandlers({
  service: 'zones',
  render: renderZone,
  collection: { name: 'ZonesHandler', doc: 'Manage physical zones.', path: '/zones/' },
  item: { name: 'ZoneHandler', doc: 'Manage a physical zone.', path: '/zones/{name}/', param: 'name' },
  docs: {
    list: 'List all zones.',
    create: `Create a new zone.\n\n${zoneParams}`,
    read: `GET request. Return zone.\n\n${zoneName}`,
    update: `Update a zone.\n\n${zoneParams}`,
    delete: `Delete a zone.\n\n${zoneName}`,
  },
});

const poolParams =
  ':param name: The name of the resource pool.\n:type name: String\n\n:param description: A brief description of the resource pool.\n:type description: String';
const poolId = ':param id: The resource pool name or ID.\n:type id: String';

export const poolsHandlers: HandlerDef[] = namedObjectHandlers({
  service: 'pools',
  render: renderPool,
  collection: { name: 'ResourcePoolsHandler', doc: 'Manage resource pools.', path: '/resourcepools/' },
  item: {
    name: 'ResourcePoolHandler',
    doc: 'Manage a resource pool.',
    path: '/resourcepool/{id}/',
    param: 'id',
  },
  docs: {
    list: 'List all resource pools.',
    create: `Create a new resource pool.\n\n${poolParams}`,
    read: `Returns a resource pool.\n\n${poolId}`,
    update: `Update a resource pool.\n\n${poolId}\n\n${poolParams}`,
    delete: `Deletes a resource pool.\n\n${poolId}`,
  },
});
