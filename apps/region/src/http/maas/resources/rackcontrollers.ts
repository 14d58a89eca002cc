import { AppError } from '@ferrum/domain';
import { imagesList, powerDescribeTypes, type ResultOf } from '@ferrum/protocol';
import { crud, currentUser, noContent, operation, type ActionContext, type HandlerDef } from '../handler.js';
import { controllerFilter, controllerPlacement } from '../controller-placement.js';
import { renderRack } from '../render-rack.js';
import { macLookupOps } from './machines.js';
import type { RackRow } from '../../../services/rack-service.js';

/** How long each rack has to answer describe_power_types / list_boot_images. */
const RACK_DEADLINE_MS = 10_000;

const systemIdParam = "\n\n:param system_id: The rack controller's system_id.\n:type system_id: String";

const systemId = (ctx: ActionContext) => ctx.params['system_id'] ?? '';

async function rackOr404(ctx: ActionContext): Promise<RackRow> {
  const rack = await ctx.services.racks.get(systemId(ctx));
  if (!rack) throw new AppError('not_found', 'No RackController matches the given query.');
  return rack;
}

type PowerType = ResultOf<typeof powerDescribeTypes>['powerTypes'][number];

/**
 * MAAS's describe_power_types JSON, merged over the racks: a driver any rack runs is listed once
 * (the first rack's description), with the packages missing on any rack (MAAS 2.x's union).
 */
function mergePowerTypes(answers: readonly PowerType[][]) {
  const byName = new Map<string, { type: PowerType; missing: Set<string> }>();
  for (const types of answers)
    for (const type of types) {
      const entry = byName.get(type.name) ?? { type, missing: new Set<string>() };
      for (const m of type.missingPackages) entry.missing.add(m);
      byName.set(type.name, entry);
    }
  return [...byName.values()]
    .map(({ type, missing }) => ({
      driver_type: 'power',
      name: type.name,
      description: type.description,
      fields: type.fields.map((f) => ({
        name: f.name,
        label: f.label,
        required: f.required,
        field_type: f.fieldType,
        choices: f.choices,
        default: f.default,
        scope: f.scope,
        secret: f.secret,
      })),
      missing_packages: [...missing].sort(),
      chassis: false,
      can_probe: false,
      queryable: type.queryable,
    }))
    .sort((a, b) => a.description.localeCompare(b.description));
}

type BootImage = ResultOf<typeof imagesList>['images'][number];

/** MAAS's list_boot_images images: one per OS release and architecture, its subarchitectures listed. */
function bootImagesJson(images: readonly BootImage[]) {
  const grouped = new Map<string, { name: string; architecture: string; subarches: Set<string> }>();
  for (const image of images) {
    const name = `${image.osystem}/${image.release}`;
    const key = `${name} ${image.architecture}`;
    const entry = grouped.get(key) ?? {
      name,
      architecture: image.architecture,
      subarches: new Set<string>(),
    };
    entry.subarches.add(image.subarchitecture);
    grouped.set(key, entry);
  }
  return [...grouped.values()].map((g) => ({ ...g, subarches: [...g.subarches].sort() }));
}

export const rackControllersHandlers: HandlerDef[] = [
  {
    name: 'RackControllersHandler',
    doc: 'Manage the collection of all rack controllers in MAAS.',
    path: '/rackcontrollers/',
    actions: [
      crud(
        'read',
        'user',
        'List all rack controllers.\n\n:param hostname: Only rack controllers with this hostname. Repeat for several.\n:type hostname: String\n\n:param id: Only rack controllers with this system_id. Repeat for several.\n:type id: String',
        async (ctx) => {
          const wanted = controllerFilter(ctx, 'Rack controllers');
          const [racks, placement] = await Promise.all([
            ctx.services.racks.list(),
            controllerPlacement(ctx.services),
          ]);
          return racks.filter(wanted).map((rack) => renderRack(rack, placement));
        },
      ),
      operation(
        'describe_power_types',
        'GET',
        'admin',
        'Query all of the rack controllers for power information.\n\nReturns the power drivers the connected racks run, with their settings (fields) and the packages any rack lacks.',
        async (ctx) => {
          const [answers, elsewhere] = await Promise.all([
            ctx.services.rackCaller.callAll(powerDescribeTypes, {}, { deadlineMs: RACK_DEADLINE_MS }),
            ctx.services.racks.offersElsewhere(ctx.services.rackCaller.regionId),
          ]);
          return mergePowerTypes([
            ...answers.flatMap((a) => (a.ok ? [a.result.powerTypes] : [])),
            ...elsewhere.map((r) => r.offers.powerTypes),
          ]);
        },
      ),
      ...macLookupOps(),
    ],
  },
  {
    name: 'RackControllerHandler',
    doc: 'Manage an individual rack controller.',
    path: '/rackcontrollers/{system_id}/',
    actions: [
      crud('read', 'user', 'Reads a rack controller with the given system_id.' + systemIdParam, async (ctx) =>
        renderRack(await rackOr404(ctx), await controllerPlacement(ctx.services)),
      ),
      crud(
        'delete',
        'admin',
        'Deletes a rack controller with the given system_id. Its connection is closed; it must be registered again (ferrum rack register) to come back.' +
          systemIdParam +
          '\n\n:param force: Accepted for compatibility; nothing depends on a rack yet.\n:type force: Boolean',
        async (ctx) => {
          const rack = await rackOr404(ctx);
          await ctx.services.racks.delete(rack.system_id, currentUser(ctx).username);
          ctx.services.rackCaller.drop(rack.system_id, 'this rack was deleted');
          return noContent();
        },
      ),
      operation(
        'list_boot_images',
        'GET',
        'admin',
        'List all available boot images on the rack controller.\n\nAnswers `images`, whether the rack is `connected`, and `status` (`synced`, or `unknown` when it cannot be asked).' +
          systemIdParam,
        async (ctx) => {
          const rack = await rackOr404(ctx);
          if (ctx.services.rackCaller.connectedIds().includes(rack.system_id))
            try {
              const { images } = await ctx.services.rackCaller.call(
                rack.system_id,
                imagesList,
                {},
                {
                  deadlineMs: RACK_DEADLINE_MS,
                },
              );
              return { images: bootImagesJson(images), connected: true, status: 'synced' };
            } catch {
              return { images: [], connected: false, status: 'unknown' };
            }
          // Connected to another region process: what it held when it last said.
          const offers = await ctx.services.racks.offersOf(rack.system_id);
          return offers
            ? { images: bootImagesJson(offers.images), connected: true, status: 'synced' }
            : { images: [], connected: false, status: 'unknown' };
        },
      ),
    ],
  },
];
