import { crud, currentUser, type HandlerDef } from '../handler.js';
import { renderPool, renderZone } from '../render.js';

const nameDoc = ':param name: The name of the zone.\n:type name: String\n\n:param description: A brief description of the new zone.\n:type description: String';

export const zonesHandlers: HandlerDef[] = [
  {
    name: 'ZonesHandler',
    doc: 'Manage physical zones.',
    path: '/zones/',
    actions: [
      crud('read', 'user', 'List all zones.', async ({ services }) => (await services.zones.list()).map(renderZone)),
      crud('create', 'admin', `Create a new zone.\n\n${nameDoc}`, async (ctx) =>
        renderZone(await ctx.services.zones.create({ name: ctx.form.required('name'), description: ctx.form.get('description') ?? '' }, currentUser(ctx).username)),
      ),
    ],
  },
  {
    name: 'ZoneHandler',
    doc: 'Manage a physical zone.',
    path: '/zones/{name}/',
    actions: [
      crud('read', 'user', 'GET request. Return zone.\n\n:param name: The name of the zone.\n:type name: String', async (ctx) =>
        renderZone(await ctx.services.zones.get(ctx.params['name'] ?? '')),
      ),
      crud('update', 'admin', `Update a zone.\n\n${nameDoc}`, async (ctx) =>
        renderZone(
          await ctx.services.zones.update(ctx.params['name'] ?? '', { name: ctx.form.get('name'), description: ctx.form.get('description') }, currentUser(ctx).username),
        ),
      ),
      crud('delete', 'admin', 'Delete a zone.\n\n:param name: The name of the zone.\n:type name: String', async (ctx) => {
        await ctx.services.zones.delete(ctx.params['name'] ?? '', currentUser(ctx).username);
      }),
    ],
  },
];

const poolDoc = ':param name: The name of the resource pool.\n:type name: String\n\n:param description: A brief description of the resource pool.\n:type description: String';

export const poolsHandlers: HandlerDef[] = [
  {
    name: 'ResourcePoolsHandler',
    doc: 'Manage resource pools.',
    path: '/resourcepools/',
    actions: [
      crud('read', 'user', 'List all resource pools.', async ({ services }) => (await services.pools.list()).map(renderPool)),
      crud('create', 'admin', `Create a new resource pool.\n\n${poolDoc}`, async (ctx) =>
        renderPool(await ctx.services.pools.create({ name: ctx.form.required('name'), description: ctx.form.get('description') ?? '' }, currentUser(ctx).username)),
      ),
    ],
  },
  {
    name: 'ResourcePoolHandler',
    doc: 'Manage a resource pool.',
    path: '/resourcepool/{id}/',
    actions: [
      crud('read', 'user', 'Returns a resource pool.\n\n:param id: The resource pool name or ID.\n:type id: String', async (ctx) =>
        renderPool(await ctx.services.pools.get(ctx.params['id'] ?? '')),
      ),
      crud('update', 'admin', `Update a resource pool.\n\n:param id: The resource pool name or ID.\n:type id: String\n\n${poolDoc}`, async (ctx) =>
        renderPool(
          await ctx.services.pools.update(ctx.params['id'] ?? '', { name: ctx.form.get('name'), description: ctx.form.get('description') }, currentUser(ctx).username),
        ),
      ),
      crud('delete', 'admin', 'Deletes a resource pool.\n\n:param id: The resource pool name or ID.\n:type id: String', async (ctx) => {
        await ctx.services.pools.delete(ctx.params['id'] ?? '', currentUser(ctx).username);
      }),
    ],
  },
];
