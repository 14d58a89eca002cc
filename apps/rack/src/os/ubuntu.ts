import { osFamily, type OsFamily } from './os-family.js';

interface UbuntuRelease {
  readonly version: string;
  readonly codename: string;
  readonly lts: boolean;
}

// Oldest first. Titles are distro-info's "fullname" format, which MAAS shows:
// `Ubuntu <version>[ LTS] "<Codename>"`.
const RELEASES = new Map<string, UbuntuRelease>([
  ['trusty', { version: '14.04', codename: 'Trusty Tahr', lts: true }],
  ['xenial', { version: '16.04', codename: 'Xenial Xerus', lts: true }],
  ['bionic', { version: '18.04', codename: 'Bionic Beaver', lts: true }],
  ['focal', { version: '20.04', codename: 'Focal Fossa', lts: true }],
  ['jammy', { version: '22.04', codename: 'Jammy Jellyfish', lts: true }],
  ['noble', { version: '24.04', codename: 'Noble Numbat', lts: true }],
  ['oracular', { version: '24.10', codename: 'Oracular Oriole', lts: false }],
  ['plucky', { version: '25.04', codename: 'Plucky Puffin', lts: false }],
  ['questing', { version: '25.10', codename: 'Questing Quokka', lts: false }],
]);
const ORDER = [...RELEASES.keys()];

// MAAS commissions on the LTS releases distro-info still supports (ESM included), minus
// xenial, which it refuses; trusty's ESM has ended.
const NOT_COMMISSIONING = new Set(['trusty', 'xenial']);

/** Ubuntu: releases known by codename; the LTS ones commission (the only family that does). */
export const ubuntuFamily: OsFamily = osFamily({
  name: 'ubuntu',
  title: 'Ubuntu',
  defaultRelease: 'noble',
  defaultCommissioningRelease: 'noble',
  // MAAS answers no title (None, '' over RPC) for a codename distro-info does not know.
  releaseTitle: (release) => {
    const r = RELEASES.get(release);
    return r ? `Ubuntu ${r.version}${r.lts ? ' LTS' : ''} "${r.codename}"` : '';
  },
  canCommission: (release) => (RELEASES.get(release)?.lts ?? false) && !NOT_COMMISSIONING.has(release),
  // Unknown codenames sort before known ones: a default should be a release we can title.
  compareReleases: (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b),
});
