import { AppError } from '@ferrum/domain';
import type { Services } from '../../services/services.js';
import type { Placement } from './render-rack.js';

/** The default domain and zone, where controllers are shown (MAAS's defaults until moved). */
export async function controllerPlacement(services: Services): Promise<Placement> {
  const [domains, zone] = await Promise.all([services.domains.list(), services.zones.get('default')]);
  const domain = domains.find((d) => d.is_default);
  if (!domain) throw new AppError('internal', 'There is no default domain.');
  return { domain, zone };
}
