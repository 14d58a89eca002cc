import { crud, currentUser, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderFabric } from '../render-network.js';
import type { FabricInput, FabricWithVlans } from '../../../services/fabric-service.js';

const render = ({ fabric, vlans }: FabricWithVlans) => renderFabric(fabric, vlans);

function fabricInput(form: FormParams): FabricInput {
  return { name: form.get('name'), description: form.get('description'), classType: form.get('class_type') };
}

const fabricParams =
  ':param name: Name of the fabric.\n:type name: String\n\n' +
  ':param description: Description of the fabric.\n:type description: String\n\n' +
  ':param class_type: Class type of the fabric.\n:type class_type: String';
const fabricId = ':param id: A fabric id.\n:type id: Int';

export const fabricsHandlers: HandlerDef[] = [
  {
    name: 'FabricsHandler',
    doc: 'Manage fabrics.',
    path: '/fabrics/',
    actions: [
      crud('read', 'user', 'List all fabrics.', async ({ services }) =>
        (await services.fabrics.list()).map(render),
      ),
      crud('create', 'admin', `Create a fabric.\n\n${fabricParams}`, async (ctx) =>
        render(await ctx.services.fabrics.create(fabricInput(ctx.form), currentUser(ctx).username)),
      ),
    ],
  },
  {
    name: 'FabricHandler',
    doc: 'Manage fabric.',
    path: '/fabrics/{id}/',
    actions: [
      crud('read', 'user', `Read a fabric with the given id.\n\n${fabricId}`, async (ctx) =>
        render(await ctx.services.fabrics.get(ctx.params['id'] ?? '')),
      ),
      crud(
        'update',
        'admin',
        `Update a fabric with the given id.\n\n${fabricId}\n\n${fabricParams}`,
        async (ctx) =>
          render(
            await ctx.services.fabrics.update(
              ctx.params['id'] ?? '',
              fabricInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', `Delete a fabric with the given id.\n\n${fabricId}`, async (ctx) => {
        await ctx.services.fabrics.delete(ctx.params['id'] ?? '', currentUser(ctx).username);
      }),
    ],
  },
];
