import type { osList, ResultOf } from '@ferrum/protocol';
import { compareText, type BootImage, type BootImageSource } from '../images/boot-image.js';
import { builtInOsFamilies } from './built-in-families.js';
import { nameOnlyFamily } from './custom.js';
import { compareReleaseNames, type OsFamily } from './os-family.js';

/** The `os.list` answer. */
export type OsListResult = ResultOf<typeof osList>;
type OsRelease = OsListResult['osystems'][number]['releases'][number];

/** The schema's limit on every title. */
const MAX_TITLE_LENGTH = 255;

/**
 * The operating systems this rack can install: the built-in OS families, narrowed to what its
 * boot-image cache holds. Answers `os.list`, `os.releaseTitle`, `os.validateLicenseKey`,
 * `arch.list` and `images.list`.
 */
export class OsRegistry {
  readonly #images: BootImageSource;
  readonly #families: ReadonlyMap<string, OsFamily>;

  constructor(images: BootImageSource, families: readonly OsFamily[] = builtInOsFamilies) {
    this.#images = images;
    this.#families = new Map(families.map((f) => [f.name, f]));
  }

  /** The OSes with at least one image held, each with the releases held, sorted by name. */
  async list(): Promise<OsListResult> {
    const releasesByOs = new Map<string, Set<string>>();
    for (const image of await this.#images.scan()) {
      const releases = releasesByOs.get(image.osystem) ?? new Set<string>();
      releases.add(image.release);
      releasesByOs.set(image.osystem, releases);
    }
    const osystems = [...releasesByOs]
      .sort(([a], [b]) => compareText(a, b))
      .map(([name, held]) => this.#describe(this.#family(name), [...held].sort(compareText)));
    return { osystems };
  }

  /** A release's title; '' for an OS neither built in nor held (MAAS: no such OS). */
  async releaseTitle(osystem: string, release: string): Promise<string> {
    const family = this.#families.get(osystem) ?? (await this.#heldUnknownFamily(osystem));
    return family ? clip(family.releaseTitle(release)) : '';
  }

  /** Whether `key` is a valid license key for the release; false for OSes that take none. */
  validateLicenseKey(osystem: string, release: string, key: string): Promise<boolean> {
    return Promise.resolve(this.#families.get(osystem)?.validateLicenseKey(release, key) ?? false);
  }

  /** The `architecture/subarchitecture` pairs held, sorted, each once. */
  async architectures(): Promise<string[]> {
    const pairs = new Set((await this.#images.scan()).map((i) => `${i.architecture}/${i.subarchitecture}`));
    return [...pairs].sort(compareText);
  }

  /** Every image held, sorted. */
  images(): Promise<BootImage[]> {
    return this.#images.scan();
  }

  #family(osystem: string): OsFamily {
    return this.#families.get(osystem) ?? nameOnlyFamily(osystem, osystem);
  }

  async #heldUnknownFamily(osystem: string): Promise<OsFamily | undefined> {
    const held = (await this.#images.scan()).some((i) => i.osystem === osystem);
    return held ? nameOnlyFamily(osystem, osystem) : undefined;
  }

  #describe(family: OsFamily, held: readonly string[]): OsListResult['osystems'][number] {
    const releases: OsRelease[] = held.map((name) => ({
      name,
      title: clip(family.releaseTitle(name)),
      requiresLicenseKey: family.requiresLicenseKey(name),
      canCommission: family.canCommission(name),
    }));
    const commissioning = held.filter((r) => family.canCommission(r));
    return {
      name: family.name,
      title: clip(family.title),
      releases,
      defaultRelease: pickDefault(family, family.defaultRelease, held),
      defaultCommissioningRelease: pickDefault(family, family.defaultCommissioningRelease, commissioning),
    };
  }
}

/**
 * The family's default when it is held, else the newest release held; '' when the family has
 * no default (custom, unknown OSes: none is implied) or nothing is held.
 */
function pickDefault(family: OsFamily, preferred: string, held: readonly string[]): string {
  if (preferred === '') return '';
  if (held.includes(preferred)) return preferred;
  const newestFirst = [...held].sort((a, b) => family.compareReleases(b, a) || compareReleaseNames(b, a));
  return newestFirst[0] ?? '';
}

function clip(title: string): string {
  return title.length > MAX_TITLE_LENGTH ? title.slice(0, MAX_TITLE_LENGTH) : title;
}
