import { AppError } from '@ferrum/domain';
import type { Services } from '../../services/services.js';
import type { Placement } from './render-node-fields.js';
import type { ActionContext } from './handler.js';

/** The default domain and zone, where controllers are shown (MAAS's defaults until moved). */
export async function controllerPlacement(services: Services): Promise<Placement> {
  const [domains, zone] = await Promise.all([services.domains.list(), services.zones.get('default')]);
  const domain = domains.find((d) => d.is_default);
  if (!domain) throw new AppError('internal', 'There is no default domain.');
  return { domain, zone };
}

// MAAS's node list filters that say nothing true about a controller here (its hardware,
// addresses and owner are not modelled): refused by name rather than matching all or none.
const unsupportedFilters = [
  'cpu_count',
  'mem',
  'mac_address',
  'domain',
  'zone',
  'pool',
  'agent_name',
  'status',
  'arch',
  'tags',
  'not_tags',
  'owner',
  'power_state',
  'fabrics',
  'not_fabrics',
  'vlans',
  'not_vlans',
  'subnets',
  'not_subnets',
  'link_speed',
  'pod',
  'not_pod',
  'pod_type',
  'not_pod_type',
  'devices',
];

/**
 * The controllers a `GET rackcontrollers/` or `regioncontrollers/` lists: all, or those of the
 * `hostname`s and system_ids (`id`) given (terraform finds a rack by `hostname=`).
 */
export function controllerFilter(
  ctx: ActionContext,
  what: string,
): (controller: { readonly hostname: string; readonly system_id: string }) => boolean {
  const problems: Record<string, string> = {};
  for (const name of unsupportedFilters)
    if (ctx.form.getAll(name).some((v) => v !== ''))
      problems[name] = `${what} cannot be filtered by ${name}; use hostname or id.`;
  if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  const hostnames = ctx.form.getAll('hostname').filter((v) => v !== '');
  const ids = ctx.form.getAll('id').filter((v) => v !== '');
  return (c) =>
    (hostnames.length === 0 || hostnames.includes(c.hostname)) &&
    (ids.length === 0 || ids.includes(c.system_id));
}
