import { osFamily, type OsFamily } from './os-family.js';

// MAAS's table, titles as it spells them (the Datecenter typo included: it is what MAAS shows).
// MAAS knows no release after 2019 (no win2022, win2025): those are titled by their name and
// take no key, as in MAAS — packer-maas images carry their key themselves.
const TITLES = new Map<string, string>([
  ['win2008r2', 'Windows "Server 2008 R2"'],
  ['win2008hvr2', 'Windows "Hyper-V Server 2008 R2"'],
  ['win2012', 'Windows "Server 2012"'],
  ['win2012r2', 'Windows "Server 2012 R2"'],
  ['win2012hv', 'Windows "Hyper-V Server 2012"'],
  ['win2012hvr2', 'Windows "Hyper-V Server 2012 R2"'],
  ['win2016', 'Windows "Server 2016"'],
  ['win2016hv', 'Windows "Hyper-V Server 2016"'],
  ['win2016nano', 'Windows "Nano Server 2016"'],
  ['win2016-core', 'Windows "Server 2016 Core"'],
  ['win2016dc', 'Windows "Server 2016 Datacenter"'],
  ['win2016dc-core', 'Windows "Server 2016 Datacenter Core"'],
  ['win2019', 'Windows "Server 2019"'],
  ['win2019-core', 'Windows "Server 2019 Core"'],
  ['win2019dc', 'Windows "Server 2019 Datacenter"'],
  ['win2019dc-core', 'Windows "Server 2019 Datecenter Core"'],
  ['win10ent', 'Windows "10 Enterprise"'],
]);

// MAAS's list: every edition but the free Hyper-V Servers.
const REQUIRES_KEY = new Set([
  'win2008r2',
  'win2012',
  'win2012r2',
  'win2016',
  'win2016nano',
  'win2016-core',
  'win2016dc',
  'win2016dc-core',
  'win2019',
  'win2019-core',
  'win2019dc',
  'win2019dc-core',
  'win10ent',
]);

// Five groups of five letters or digits, as MAAS checks (its Python `$` also let a trailing
// newline through; this one does not).
const LICENSE_KEY = /^([A-Za-z0-9]{5}-){4}[A-Za-z0-9]{5}$/;

/** Windows: MAAS's releases and titles; the non-Hyper-V editions require a product key. */
export const windowsFamily: OsFamily = osFamily({
  name: 'windows',
  title: 'Windows',
  defaultRelease: 'win2019',
  releaseTitle: (release) => TITLES.get(release) ?? release,
  requiresLicenseKey: (release) => REQUIRES_KEY.has(release),
  // MAAS checks the form only, the same for every release.
  validateLicenseKey: (_release, key) => LICENSE_KEY.test(key),
});
