import type { PowerDriver } from '@ferrum/protocol';
import type { Logger } from '@ferrum/kit';
import { BootImageCache } from './images/boot-image-cache.js';
import { OsRegistry } from './os/os-registry.js';
import { describePowerTypes, toolOnPath } from './power/describe-power-types.js';
import { PowerDriverRegistry } from './power/power-driver-registry.js';
import { powerDrivers } from './power/power-drivers.js';
import { PowerRunner, type PowerLimits } from './power/power-runner.js';
import type { RackKnowledge } from './rack-handler.js';

export interface BuiltInKnowledgeOptions {
  /** The power drivers (default: `powerDrivers()`, every driver the rack has). */
  readonly drivers?: readonly PowerDriver[];
  /** The power runner's limits (the rack's config sets the concurrency ones). */
  readonly power?: PowerLimits;
  /** Whether a program is on PATH (default `toolOnPath`). */
  readonly hasTool?: (name: string) => Promise<boolean>;
}

/** What a rack knows: the OS families built in, the images in `imageDir`, its power drivers. */
export function builtInKnowledge(
  imageDir: string,
  logger: Logger,
  options: BuiltInKnowledgeOptions = {},
): RackKnowledge {
  const cache = new BootImageCache(imageDir);
  const registry = new OsRegistry(cache);
  const drivers = new PowerDriverRegistry(options.drivers ?? powerDrivers());
  const power = new PowerRunner({
    ...options.power,
    drivers,
    logger: logger.child({ service: 'power' }),
  });
  const hasTool = options.hasTool ?? toolOnPath;
  return {
    osList: () => registry.list(),
    releaseTitle: (osystem, release) => registry.releaseTitle(osystem, release),
    validateLicenseKey: (osystem, release, key) => registry.validateLicenseKey(osystem, release, key),
    architectures: () => registry.architectures(),
    images: () => registry.images(),
    // Looked up at every ask: a tool installed while the rack runs shows at the next.
    powerTypes: () => describePowerTypes(drivers.all(), hasTool),
    powerChange: (params, signal) => power.change(params, signal),
    powerQuery: (params, signal) => power.query(params, signal),
  };
}
