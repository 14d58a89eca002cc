/** What the rack knows about one OS family (MAAS's `OperatingSystem` drivers). */
export interface OsFamily {
  /** The osystem name, as the image cache and MAAS's API spell it (`ubuntu`, `centos`, …). */
  readonly name: string;
  readonly title: string;
  /** The release used when none is given (MAAS's `get_default_release`); '' when there is none. */
  readonly defaultRelease: string;
  /** The release commissioning uses; '' for every family but Ubuntu (only Ubuntu commissions). */
  readonly defaultCommissioningRelease: string;
  /** The release's title; for a release the family does not know, what MAAS answers ('' or the name). */
  releaseTitle(release: string): string;
  requiresLicenseKey(release: string): boolean;
  canCommission(release: string): boolean;
  /** Whether `key` is a well-formed license key for the release; false for families that take none. */
  validateLicenseKey(release: string, key: string): boolean;
  /** Orders two releases oldest first, to pick the newest held one when the default is not held. */
  compareReleases(a: string, b: string): number;
}

/** The parts of a family that differ from the defaults of {@link osFamily}. */
export type OsFamilySpec = Pick<OsFamily, 'name' | 'title' | 'defaultRelease' | 'releaseTitle'> &
  Partial<OsFamily>;

const numericOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Orders release names by their digits as numbers (`centos9-stream` before `centos10-stream`). */
export function compareReleaseNames(a: string, b: string): number {
  return numericOrder.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A family from its spec: no license keys, no commissioning, releases in numeric name order. */
export function osFamily(spec: OsFamilySpec): OsFamily {
  return {
    defaultCommissioningRelease: '',
    requiresLicenseKey: () => false,
    canCommission: () => false,
    validateLicenseKey: () => false,
    compareReleases: compareReleaseNames,
    ...spec,
  };
}
