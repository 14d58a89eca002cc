import { BootImageCache } from './images/boot-image-cache.js';
import { OsRegistry } from './os/os-registry.js';
import { describePowerTypes, toolOnPath } from './power/describe-power-types.js';
import { powerDrivers } from './power/power-drivers.js';
import { PowerRunner } from './power/power-runner.js';
import type { Logger } from '@ferrum/kit';
import type { RackKnowledge } from './rack-handler.js';

/** What a rack knows: the OS families built in, the images in `imageDir`, its power drivers. */
export function builtInKnowledge(imageDir: string, logger: Logger): RackKnowledge {
  const cache = new BootImageCache(imageDir);
  const registry = new OsRegistry(cache);
  const drivers = powerDrivers();
  const power = new PowerRunner({ drivers, logger: logger.child({ service: 'power' }) });
  return {
    osList: () => registry.list(),
    releaseTitle: (osystem, release) => registry.releaseTitle(osystem, release),
    validateLicenseKey: (osystem, release, key) => registry.validateLicenseKey(osystem, release, key),
    architectures: () => registry.architectures(),
    images: () => registry.images(),
    powerTypes: () => describePowerTypes(drivers, toolOnPath),
    powerChange: (params, signal) => power.change(params, signal),
    powerQuery: (params, signal) => power.query(params, signal),
  };
}
