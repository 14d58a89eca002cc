import { osFamily, type OsFamily } from './os-family.js';

/**
 * A family the rack knows nothing about but the name: custom (uploaded) images, and any OS
 * directory in the cache that no built-in family claims. A release is titled by its name (the
 * region holds the uploaded title), and there is no default: deploying an arbitrary upload
 * because none was named would surprise (MAAS's custom OS has none either).
 */
export function nameOnlyFamily(name: string, title: string): OsFamily {
  return osFamily({ name, title, defaultRelease: '', releaseTitle: (release) => release });
}

/** MAAS's `custom` OS: whatever was uploaded, each release titled by its name. */
export const customFamily: OsFamily = nameOnlyFamily('custom', 'Custom');
