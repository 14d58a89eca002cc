import { crud, currentUser, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderIpRange } from '../render-ranges.js';
import type { IpRangeInput } from '../../../services/ip-range-service.js';

function rangeInput(form: FormParams): IpRangeInput {
  return {
    type: form.get('type'),
    startIp: form.get('start_ip'),
    endIp: form.get('end_ip'),
    subnet: form.get('subnet'),
    comment: form.get('comment'),
  };
}

const idParam = ':param id: An IP range id.\n:type id: Int';
const rangeParams = `:param start_ip: Start IP address of this range (inclusive).
:type start_ip: String

:param end_ip: End IP address of this range (inclusive).
:type end_ip: String

:param comment: A description of this range.
:type comment: String`;
const key = (params: Readonly<Record<string, string>>): string => params['id'] ?? '';

export const ipRangesHandlers: HandlerDef[] = [
  {
    name: 'IPRangesHandler',
    doc: 'Manage IP ranges.',
    path: '/ipranges/',
    actions: [
      crud('read', 'user', 'List all available IP ranges.', async ({ services }) =>
        (await services.ipRanges.list()).map(renderIpRange),
      ),
      crud(
        'create',
        'user',
        `Create a new IP range.\n\n:param type: Type of this range. (\`dynamic\` or \`reserved\`)\n:type type: String\n\n${rangeParams}\n\n:param subnet: Subnet associated with this range.\n:type subnet: Int`,
        async (ctx) =>
          renderIpRange(await ctx.services.ipRanges.create(currentUser(ctx), rangeInput(ctx.form))),
      ),
    ],
  },
  {
    name: 'IPRangeHandler',
    doc: 'Manage IP range.',
    path: '/ipranges/{id}/',
    actions: [
      crud('read', 'user', `Read an IP range with the given id.\n\n${idParam}`, async (ctx) =>
        renderIpRange(await ctx.services.ipRanges.get(key(ctx.params))),
      ),
      crud(
        'update',
        'user',
        `Update an IP range with the given id.\n\n${idParam}\n\n${rangeParams}`,
        async (ctx) =>
          renderIpRange(
            await ctx.services.ipRanges.update(currentUser(ctx), key(ctx.params), rangeInput(ctx.form)),
          ),
      ),
      crud('delete', 'user', `Delete an IP range with the given id.\n\n${idParam}`, async (ctx) => {
        await ctx.services.ipRanges.delete(currentUser(ctx), key(ctx.params));
      }),
    ],
  },
];
