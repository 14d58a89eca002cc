import type { Kysely } from 'kysely';
import { AppError, invalidChoice } from '@ferrum/domain';
import type { Database } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import type { OsService } from './os-service.js';

export interface LicenseKeyRow {
  readonly osystem: string;
  readonly distro_series: string;
  readonly license_key: string;
}

export interface LicenseKeyInput {
  readonly osystem?: string | undefined;
  readonly distroSeries?: string | undefined;
  readonly licenseKey?: string | undefined;
}

const required = 'This field is required.';

/**
 * License keys for OS releases that need one (Windows), as MAAS's `license-keys/`: a key is
 * taken only for a release a connected rack offers and requires a key for, and only when a
 * rack finds it valid. The messages are MAAS's form errors.
 */
export class LicenseKeyService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly os: Pick<OsService, 'list' | 'validateLicenseKey'>;
    },
  ) {}

  list(): Promise<LicenseKeyRow[]> {
    return this.select().orderBy('osystem').orderBy('distro_series').execute();
  }

  async get(osystem: string, distroSeries: string): Promise<LicenseKeyRow> {
    const row = await this.select()
      .where('osystem', '=', osystem)
      .where('distro_series', '=', distroSeries)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No LicenseKey matches the given query.');
    return row;
  }

  async create(input: LicenseKeyInput, actor: string): Promise<LicenseKeyRow> {
    let osystem = input.osystem ?? '';
    let series = input.distroSeries ?? '';
    // MAAS takes the OS from `distro_series` written `os/series` when `osystem` is not given.
    const slash = series.indexOf('/');
    if (slash >= 0) {
      if (osystem === '') osystem = series.slice(0, slash);
      series = series.slice(slash + 1);
    }
    const missing: Record<string, string> = {};
    if (osystem === '') missing['osystem'] = required;
    if (series === '') missing['distro_series'] = required;
    if ((input.licenseKey ?? '') === '') missing['license_key'] = required;
    if (Object.keys(missing).length > 0) throw AppError.invalid(missing);
    await this.checkRelease(osystem, series);
    const key = input.licenseKey ?? '';
    await this.checkKey(osystem, series, key);
    try {
      await this.deps.db
        .insertInto('license_keys')
        .values({ osystem, distro_series: series, license_key: key })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw AppError.invalid({
          __all__: 'License key with this operating system and distro series already exists.',
        });
      throw error;
    }
    await this.deps.events.audit(actor, `Added a license key for ${osystem}/${series}.`);
    return { osystem, distro_series: series, license_key: key };
  }

  async update(
    osystem: string,
    distroSeries: string,
    licenseKey: string | undefined,
    actor: string,
  ): Promise<LicenseKeyRow> {
    const current = await this.get(osystem, distroSeries);
    if (licenseKey === undefined || licenseKey === current.license_key) return current;
    if (licenseKey === '') throw AppError.invalid({ license_key: required });
    await this.checkKey(osystem, distroSeries, licenseKey);
    await this.deps.db
      .updateTable('license_keys')
      .set({ license_key: licenseKey })
      .where('osystem', '=', osystem)
      .where('distro_series', '=', distroSeries)
      .execute();
    await this.deps.events.audit(actor, `Changed the license key for ${osystem}/${distroSeries}.`);
    return { ...current, license_key: licenseKey };
  }

  /** Deletes a key; deleting one that is not there is not an error (as MAAS). */
  async delete(osystem: string, distroSeries: string, actor: string): Promise<void> {
    const deleted = await this.deps.db
      .deleteFrom('license_keys')
      .where('osystem', '=', osystem)
      .where('distro_series', '=', distroSeries)
      .executeTakeFirst();
    if (deleted.numDeletedRows > 0n)
      await this.deps.events.audit(actor, `Deleted the license key for ${osystem}/${distroSeries}.`);
  }

  /** The release must be one a connected rack offers and requires a key for (MAAS's form choices). */
  private async checkRelease(osystem: string, series: string): Promise<void> {
    const offered = (await this.deps.os.list()).value;
    const needing = offered
      .map((o) => ({ name: o.name, releases: o.releases.filter((r) => r.requiresLicenseKey) }))
      .filter((o) => o.releases.length > 0);
    const problems: Record<string, string> = {};
    const os = needing.find((o) => o.name === osystem);
    if (!os)
      problems['osystem'] = invalidChoice(
        osystem,
        'osystem',
        needing.map((o) => o.name),
      );
    if (!os?.releases.some((r) => r.name === series))
      problems['distro_series'] = invalidChoice(
        `${osystem}/${series}`,
        'distro_series',
        needing.flatMap((o) => o.releases.map((r) => `${o.name}/${r.name}`)),
      );
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
  }

  private async checkKey(osystem: string, series: string, key: string): Promise<void> {
    if (!(await this.deps.os.validateLicenseKey(osystem, series, key)))
      throw AppError.invalid({ __all__: 'Invalid license key.' });
  }

  private select() {
    return this.deps.db.selectFrom('license_keys').select(['osystem', 'distro_series', 'license_key']);
  }
}
