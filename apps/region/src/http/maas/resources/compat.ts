import type { HandlerDef } from '../handler.js';
import { poolsHandlers } from './zones.js';

function aliasOf(handlers: readonly HandlerDef[], of: string, name: string, path: string): HandlerDef {
  const target = handlers.find((handler) => handler.name === of);
  if (!target) throw new Error(`compatibility alias ${path} refers to unknown handler ${of}`);
  return { ...target, name, path, undocumented: true };
}

/**
 * Paths real MAAS clients request that MAAS itself does not serve, answered as the client
 * meant them. They are routed but kept out of describe/ (`undocumented`), so the maas CLI
 * gets no duplicate commands.
 *
 * - `pools/`: gomaasapi 2.0.0's `Controller.Pools()` lists resource pools with
 *   `GET api/2.0/pools/` (controller.go), a path MAAS never had (MAAS answers 404, so the
 *   call fails against MAAS). Served as `resourcepools/`.
 */
export const compatHandlers: HandlerDef[] = [
  aliasOf(poolsHandlers, 'ResourcePoolsHandler', 'PoolsHandler', '/pools/'),
];
