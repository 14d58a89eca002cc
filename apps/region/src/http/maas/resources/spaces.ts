import { crud, currentUser, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderSpace } from '../render-network.js';
import type { SpaceInput, SpaceWithMembers } from '../../../services/space-service.js';

const render = ({ space, vlans, subnets }: SpaceWithMembers) => renderSpace(space, vlans, subnets);

function spaceInput(form: FormParams): SpaceInput {
  return { name: form.get('name'), description: form.get('description') };
}

const spaceParams =
  ':param name: The name of the space.\n:type name: String\n\n' +
  ':param description: A description of the space.\n:type description: String';
const spaceId = ":param id: The space's ID.\n:type id: Int";

export const spacesHandlers: HandlerDef[] = [
  {
    name: 'SpacesHandler',
    doc: 'Manage spaces.',
    path: '/spaces/',
    actions: [
      crud('read', 'user', 'Generates a list of all spaces.', async ({ services }) =>
        (await services.spaces.list()).map(render),
      ),
      crud('create', 'admin', `Create a new space.\n\n${spaceParams}`, async (ctx) =>
        render(await ctx.services.spaces.create(spaceInput(ctx.form), currentUser(ctx).username)),
      ),
    ],
  },
  {
    name: 'SpaceHandler',
    doc: 'Manage space.',
    path: '/spaces/{id}/',
    actions: [
      crud('read', 'user', `Gets a space with the given ID.\n\n${spaceId}`, async (ctx) =>
        render(await ctx.services.spaces.get(ctx.params['id'] ?? '')),
      ),
      crud(
        'update',
        'admin',
        `Updates a space with the given ID.\n\n${spaceId}\n\n${spaceParams}`,
        async (ctx) =>
          render(
            await ctx.services.spaces.update(
              ctx.params['id'] ?? '',
              spaceInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', `Deletes a space with the given ID.\n\n${spaceId}`, async (ctx) => {
        await ctx.services.spaces.delete(ctx.params['id'] ?? '', currentUser(ctx).username);
      }),
    ],
  },
];
