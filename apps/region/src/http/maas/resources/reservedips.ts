import { crud, currentUser, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderReservedIp } from '../render-ranges.js';
import type { ReservedIpInput } from '../../../services/reserved-ip-service.js';

function reservedIpInput(form: FormParams): ReservedIpInput {
  return {
    ip: form.get('ip'),
    subnet: form.get('subnet'),
    macAddress: form.get('mac_address'),
    comment: form.get('comment'),
  };
}

const idParam = ':param id: The ID of the Reserved IP.\n:type id: Int';
const key = (params: Readonly<Record<string, string>>): string => params['id'] ?? '';

export const reservedIpsHandlers: HandlerDef[] = [
  {
    name: 'ReservedIpsHandler',
    doc: 'Manage Reserved IPs.',
    path: '/reservedips/',
    actions: [
      crud('read', 'user', 'List all IPs that have been reserved in MAAS.', async ({ services }) =>
        (await services.reservedIps.list()).map(renderReservedIp),
      ),
      // Reserved IPs are DHCP reservations every machine on the subnet sees: MAAS lets only
      // administrators write them (admin_method).
      crud(
        'create',
        'admin',
        `Create a new Reserved IP.

:param ip: The IP to be reserved.
:type ip: String

:param subnet: ID of the subnet associated with the IP to be reserved.
:type subnet: Int

:param mac_address: The MAC address that should be linked to the reserved IP.
:type mac_address: String

:param comment: A description of this reserved IP.
:type comment: String`,
        async (ctx) =>
          renderReservedIp(
            await ctx.services.reservedIps.create(reservedIpInput(ctx.form), currentUser(ctx).username),
          ),
      ),
    ],
  },
  {
    name: 'ReservedIpHandler',
    doc: 'Manage Reserved IP.',
    path: '/reservedips/{id}/',
    actions: [
      crud('read', 'user', `Read a reserved IP given its ID.\n\n${idParam}`, async (ctx) =>
        renderReservedIp(await ctx.services.reservedIps.get(key(ctx.params))),
      ),
      crud(
        'update',
        'admin',
        `Update a reserved IP given its ID.\n\n${idParam}\n\n:param comment: A description of this reserved IP.\n:type comment: String`,
        async (ctx) =>
          renderReservedIp(
            await ctx.services.reservedIps.update(
              key(ctx.params),
              reservedIpInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', `Delete a reserved IP given its ID.\n\n${idParam}`, async (ctx) => {
        await ctx.services.reservedIps.delete(key(ctx.params), currentUser(ctx).username);
      }),
    ],
  },
];
