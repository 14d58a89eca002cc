import { crud, currentUser, operation, type HandlerDef } from '../handler.js';
import { renderMachine } from '../render-machine.js';
import { renderDevice } from '../render-device.js';
import { renderTag } from '../render.js';
import type { FormParams } from '../form-params.js';
import type { TagInput } from '../../../services/tag-service.js';

const tagDoc =
  ':param name: The new tag name. Because the name will be used in urls, it should be short.\n:type name: String\n\n' +
  ':param comment: A long form description of what the tag is meant for.\n:type comment: String\n\n' +
  ':param definition: An optional XPath query evaluated against the hardware details stored for all nodes (the output of lshw and LLDP). The nodes it matches get the tag (an automatic tag).\n:type definition: String\n\n' +
  ':param kernel_opts: Kernel options added to the boot command line of machines with this tag.\n:type kernel_opts: String';

function tagInput(form: FormParams): TagInput {
  return {
    name: form.get('name'),
    comment: form.get('comment'),
    kernelOpts: form.get('kernel_opts'),
    definition: form.get('definition'),
  };
}

export const tagsHandlers: HandlerDef[] = [
  {
    name: 'TagsHandler',
    doc: 'Manage all tags known to MAAS.',
    path: '/tags/',
    actions: [
      crud('read', 'user', 'List all tags.', async ({ services }) =>
        (await services.tags.list()).map(renderTag),
      ),
      crud('create', 'admin', `Create a new tag.\n\n${tagDoc}`, async (ctx) => {
        ctx.form.required('name');
        return renderTag(await ctx.services.tags.create(tagInput(ctx.form), currentUser(ctx).username));
      }),
    ],
  },
  {
    name: 'TagHandler',
    doc: 'Tags are properties that can be associated with a Node and serve as criteria for selecting and allocating nodes.',
    path: '/tags/{name}/',
    actions: [
      crud('read', 'user', 'Returns a tag.\n\n:param name: A tag name.\n:type name: String', async (ctx) =>
        renderTag(await ctx.services.tags.get(ctx.params['name'] ?? '')),
      ),
      crud('update', 'admin', `Update elements of a given tag.\n\n${tagDoc}`, async (ctx) =>
        renderTag(
          await ctx.services.tags.update(
            ctx.params['name'] ?? '',
            tagInput(ctx.form),
            currentUser(ctx).username,
          ),
        ),
      ),
      operation(
        'update_nodes',
        'POST',
        'admin',
        'Add or remove nodes being associated with this tag.\n\n:param name: A tag name.\n:type name: String\n\n:param add: The system_id to tag.\n:type add: String\n\n:param remove: The system_id to untag.\n:type remove: String',
        async (ctx) =>
          ctx.services.machines.updateTagNodes(
            ctx.params['name'] ?? '',
            ctx.form.getAll('add'),
            ctx.form.getAll('remove'),
            currentUser(ctx).username,
          ),
      ),
      ...(['machines', 'nodes'] as const).map((op) =>
        operation(
          op,
          'GET',
          'user',
          `Get a list of ${op} that have this tag.\n\n:param name: A tag name.\n:type name: String`,
          async (ctx) => {
            await ctx.services.tags.get(ctx.params['name'] ?? '');
            const views = await ctx.services.machines.list(currentUser(ctx), {
              tags: [ctx.params['name'] ?? ''],
            });
            return views.map(renderMachine);
          },
        ),
      ),
      operation(
        'devices',
        'GET',
        'user',
        'Get a list of devices that have this tag.\n\n:param name: A tag name.\n:type name: String',
        async (ctx) => {
          await ctx.services.tags.get(ctx.params['name'] ?? '');
          return (await ctx.services.devices.tagged(currentUser(ctx), ctx.params['name'] ?? '')).map(
            renderDevice,
          );
        },
      ),
      crud(
        'delete',
        'admin',
        'Deletes a tag.\n\n:param name: A tag name.\n:type name: String',
        async (ctx) => {
          await ctx.services.tags.delete(ctx.params['name'] ?? '', currentUser(ctx).username);
        },
      ),
    ],
  },
];
