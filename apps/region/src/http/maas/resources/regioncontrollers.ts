import { crud, currentUser, type ActionContext, type HandlerDef } from '../handler.js';
import { controllerFilter, controllerPlacement } from '../controller-placement.js';
import { macLookupOps } from './machines.js';
import { resourceUri } from '../render.js';
import { controllerFields, type Placement } from '../render-node-fields.js';
import type { RegionController } from '../../../services/region-controller-service.js';

/**
 * MAAS's region controller JSON (`DISPLAYED_REGION_CONTROLLER_FIELDS` + `resource_uri`). What
 * commissioning would find (hardware, OS, interfaces, addresses) is unknown for a region
 * process and has MAAS's empty values. `service_set` is Ferrum's addition (MAAS shows it for
 * racks): `regiond`, running while the process refreshes its row, else dead.
 */
export function renderRegionController(region: RegionController, placement: Placement) {
  return {
    ...controllerFields(region, placement),
    ip_addresses: [],
    status_action: '',
    node_type: 3,
    node_type_name: 'Region controller',
    version: region.version,
    service_set: [
      {
        name: 'regiond',
        status: region.alive ? 'running' : 'dead',
        status_info: region.alive ? '' : `Not heard from since ${region.last_seen.toISOString()}.`,
      },
    ],
    resource_uri: resourceUri('regioncontrollers', region.system_id),
  };
}

/** The regions `GET regioncontrollers/` lists: all, or those of the `hostname`s and system_ids (`id`) given. */
async function listRegions(ctx: ActionContext) {
  const wanted = controllerFilter(ctx, 'Region controllers');
  const [regions, where] = await Promise.all([
    ctx.services.regions.list(),
    controllerPlacement(ctx.services),
  ]);
  return regions.filter(wanted).map((r) => renderRegionController(r, where));
}

const systemId = (ctx: ActionContext) => ctx.params['system_id'] ?? '';
const systemIdDoc = ':param system_id: The region controller system_id.\n:type system_id: String';

export const regionControllersHandlers: HandlerDef[] = [
  {
    name: 'RegionControllersHandler',
    doc: 'Manage the collection of all region controllers in MAAS.',
    path: '/regioncontrollers/',
    actions: [
      crud(
        'read',
        'user',
        'List region controllers: the region processes sharing this database, running or not yet ' +
          'forgotten (silent for less than 10 minutes), optionally filtered.\n\n' +
          ':param hostname: Only region controllers with this hostname. Repeat for several.\n:type hostname: String\n\n' +
          ':param id: Only region controllers with this system_id. Repeat for several.\n:type id: String',
        listRegions,
      ),
      ...macLookupOps(),
    ],
  },
  {
    name: 'RegionControllerHandler',
    doc: 'Manage an individual region controller.\n\nThe region controller is identified by its system_id.',
    path: '/regioncontrollers/{system_id}/',
    actions: [
      crud(
        'read',
        'user',
        `Reads a region controller with the given system_id.\n\n${systemIdDoc}`,
        async (ctx) => {
          const [region, where] = await Promise.all([
            ctx.services.regions.get(systemId(ctx)),
            controllerPlacement(ctx.services),
          ]);
          return renderRegionController(region, where);
        },
      ),
      crud(
        'delete',
        'admin',
        'Deletes a region controller with the given system_id. Only a region that has stopped ' +
          'refreshing its registration (silent for more than 60 s) can be deleted; a running one ' +
          `gets 400; \`force\` does not override that.\n\n${systemIdDoc}\n\n` +
          ':param force: Accepted for compatibility (MAAS forces deleting a region that hosts VMs; there are none).\n:type force: Boolean',
        async (ctx) => {
          await ctx.services.regions.delete(systemId(ctx), currentUser(ctx).username);
        },
      ),
    ],
  },
];
