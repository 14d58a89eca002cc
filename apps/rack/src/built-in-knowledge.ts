import { BootImageCache } from './images/boot-image-cache.js';
import { OsRegistry } from './os/os-registry.js';
import { describePowerTypes, toolOnPath } from './power/describe-power-types.js';
import { manualDriver } from './power/manual-driver.js';
import type { RackKnowledge } from './rack-handler.js';

/** What a rack knows: the OS families built in, the images in `imageDir`, its power drivers. */
export function builtInKnowledge(imageDir: string): RackKnowledge {
  const cache = new BootImageCache(imageDir);
  const registry = new OsRegistry(cache);
  return {
    osList: () => registry.list(),
    releaseTitle: (osystem, release) => registry.releaseTitle(osystem, release),
    validateLicenseKey: (osystem, release, key) => registry.validateLicenseKey(osystem, release, key),
    architectures: () => registry.architectures(),
    images: () => registry.images(),
    powerTypes: () => describePowerTypes([manualDriver], toolOnPath),
  };
}
