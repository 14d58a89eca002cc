import { osFamily, type OsFamily } from './os-family.js';

// Oldest first. MAAS has no Debian driver (Debian reaches it as a custom image); Ferrum titles
// the releases as Debian does: `Debian <major> "<codename>"`.
const RELEASES = new Map<string, string>([
  ['buster', '10'],
  ['bullseye', '11'],
  ['bookworm', '12'],
  ['trixie', '13'],
]);
const ORDER = [...RELEASES.keys()];

/** Debian, by codename; an unknown codename is titled by its name. */
export const debianFamily: OsFamily = osFamily({
  name: 'debian',
  title: 'Debian',
  // Debian's stable release since August 2025.
  defaultRelease: 'trixie',
  releaseTitle: (release) => {
    const major = RELEASES.get(release);
    return major === undefined ? release : `Debian ${major} "${release}"`;
  },
  compareReleases: (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b),
});
