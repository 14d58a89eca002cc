import { crud, currentUser, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderStaticRoute } from '../render-ranges.js';
import type { StaticRouteInput } from '../../../services/static-route-service.js';

function routeInput(form: FormParams): StaticRouteInput {
  return {
    source: form.get('source'),
    destination: form.get('destination'),
    gatewayIp: form.get('gateway_ip'),
    metric: form.get('metric'),
  };
}

const idParam = ':param id: A static-route ID.\n:type id: Int';
const routeParams = `:param source: Source subnet for the route.
:type source: String

:param destination: Destination subnet for the route.
:type destination: String

:param gateway_ip: IP address of the gateway on the source subnet.
:type gateway_ip: String

:param metric: Weight of the route on a deployed machine.
:type metric: Int`;
const key = (params: Readonly<Record<string, string>>): string => params['id'] ?? '';

export const staticRoutesHandlers: HandlerDef[] = [
  {
    name: 'StaticRoutesHandler',
    doc: 'Manage static routes.',
    path: '/static-routes/',
    actions: [
      crud('read', 'user', 'Lists all static routes.', async ({ services }) =>
        (await services.staticRoutes.list()).map(renderStaticRoute),
      ),
      crud('create', 'admin', `Creates a static route.\n\n${routeParams}`, async (ctx) =>
        renderStaticRoute(
          await ctx.services.staticRoutes.create(routeInput(ctx.form), currentUser(ctx).username),
        ),
      ),
    ],
  },
  {
    name: 'StaticRouteHandler',
    doc: 'Manage static route.',
    path: '/static-routes/{id}/',
    actions: [
      crud('read', 'user', `Gets a static route with the given ID.\n\n${idParam}`, async (ctx) =>
        renderStaticRoute(await ctx.services.staticRoutes.get(key(ctx.params))),
      ),
      crud(
        'update',
        'admin',
        `Updates a static route with the given ID.\n\n${idParam}\n\n${routeParams}`,
        async (ctx) =>
          renderStaticRoute(
            await ctx.services.staticRoutes.update(
              key(ctx.params),
              routeInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', `Deletes the static route with the given ID.\n\n${idParam}`, async (ctx) => {
        await ctx.services.staticRoutes.delete(key(ctx.params), currentUser(ctx).username);
      }),
    ],
  },
];
