import { AppError } from '@ferrum/domain';
import { crud, currentUser, noContent, operation, type HandlerDef } from '../handler.js';
import { renderDomain } from '../render.js';
import type { FormParams } from '../form-params.js';
import type { DomainInput } from '../../../services/domain-service.js';

const domainDoc =
  ':param name: Name of the domain.\n:type name: String\n\n' +
  ':param authoritative: Class type of the domain.\n:type authoritative: Boolean\n\n' +
  ':param ttl: The default TTL for this domain.\n:type ttl: Int\n\n' +
  ':param forward_dns_servers: List of forward DNS servers for non-authoritative domains.\n:type forward_dns_servers: String';

function domainInput(form: FormParams): DomainInput {
  const ttlRaw = form.get('ttl');
  const servers = form
    .getAll('forward_dns_servers')
    .flatMap((s) => s.split(/[\s,]+/))
    .filter((s) => s !== '');
  return {
    name: form.get('name'),
    authoritative: form.has('authoritative') ? form.bool('authoritative', true) : undefined,
    ttl: ttlRaw === '' ? null : form.int('ttl', { min: 1, max: 604800 }),
    forwardDnsServers: form.has('forward_dns_servers') ? servers : undefined,
  };
}

// No DNS resources exist before the networks issue, so every domain holds zero records.
const render = (row: Parameters<typeof renderDomain>[0]) => renderDomain(row, 0);

export const domainsHandlers: HandlerDef[] = [
  {
    name: 'DomainsHandler',
    doc: 'Manage domains.',
    path: '/domains/',
    actions: [
      crud('read', 'user', 'List all domains.', async ({ services }) =>
        (await services.domains.list()).map(render),
      ),
      crud('create', 'admin', `Create a domain.\n\n${domainDoc}`, async (ctx) => {
        ctx.form.required('name');
        return render(await ctx.services.domains.create(domainInput(ctx.form), currentUser(ctx).username));
      }),
      operation(
        'set_serial',
        'POST',
        'admin',
        'Set the SOA serial number for all DNS zones.\n\n:param serial: Serial number to use next.\n:type serial: Int',
        async (ctx) => {
          const serial = ctx.form.int('serial', { min: 1, max: 4294967295 });
          if (serial === undefined) throw AppError.invalid({ serial: 'This field is required.' });
          await ctx.services.domains.setSerial(serial, currentUser(ctx).username);
          return noContent();
        },
      ),
    ],
  },
  {
    name: 'DomainHandler',
    doc: 'Manage domain.',
    path: '/domains/{id}/',
    actions: [
      crud('read', 'user', 'Read domain.\n\n:param id: The domain ID.\n:type id: Int', async (ctx) =>
        render(await ctx.services.domains.get(ctx.params['id'] ?? '')),
      ),
      crud(
        'update',
        'admin',
        `Update a domain.\n\n:param id: The domain ID.\n:type id: Int\n\n${domainDoc}`,
        async (ctx) =>
          render(
            await ctx.services.domains.update(
              ctx.params['id'] ?? '',
              domainInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', 'Delete domain.\n\n:param id: The domain ID.\n:type id: Int', async (ctx) => {
        await ctx.services.domains.delete(ctx.params['id'] ?? '', currentUser(ctx).username);
      }),
      operation(
        'set_default',
        'POST',
        'admin',
        'Set the specified domain to be the default.\n\n:param id: The domain ID.\n:type id: Int',
        async (ctx) =>
          render(await ctx.services.domains.setDefault(ctx.params['id'] ?? '', currentUser(ctx).username)),
      ),
    ],
  },
];
