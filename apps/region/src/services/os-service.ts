import { AppError, invalidChoice } from '@ferrum/domain';
import { osList, osValidateLicenseKey, type ResultOf } from '@ferrum/protocol';
import type { RackAnswer, RackCaller } from './rack-caller.js';
import type { RackOffers } from './rack-service.js';

/** One operating system as the connected racks offer it, merged over all of them. */
export type OfferedOs = ResultOf<typeof osList>['osystems'][number];

/** The merged answer of a fan-out, with the racks that gave none and why. */
export interface Merged<T> {
  readonly value: T;
  /** How many racks were asked. */
  readonly asked: number;
  readonly unanswered: readonly { readonly systemId: string; readonly message: string }[];
}

/** How long each rack has to answer an OS question. */
const DEADLINE_MS = 5_000;

/**
 * The operating systems the region can install: the racks hold the OS registry (what their
 * image caches hold), so the region asks every connected rack at once, each with its own
 * deadline, and merges what they answer (MAAS 3.4's `gen_all_known_operating_systems`).
 */
export class OsService {
  constructor(
    private readonly deps: {
      readonly racks: RackCaller;
      /** What the racks held by other region processes offered when they connected. */
      readonly elsewhere?: () => Promise<readonly { systemId: string; offers: RackOffers }[]>;
      readonly deadlineMs?: number;
    },
  ) {}

  private inFlight: Promise<Merged<OfferedOs[]>> | undefined;

  /**
   * Every OS some connected rack can install, releases merged (the first rack's titles win).
   * Callers at the same moment share one fan-out: a burst of deploys (each checks its OS) asks
   * each rack once, not once per deploy, which would queue a thousand calls behind the
   * connection's call window (RpcPeer's `maxSent`) for one answer.
   */
  list(): Promise<Merged<OfferedOs[]>> {
    this.inFlight ??= this.ask().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async ask(): Promise<Merged<OfferedOs[]>> {
    const [answers, remote] = await Promise.all([
      this.deps.racks.callAll(osList, {}, { deadlineMs: this.deadline() }),
      this.elsewhere(),
    ]);
    const byName = new Map<string, { os: OfferedOs; releases: Map<string, OfferedOs['releases'][number]> }>();
    const offered = [
      ...answers.flatMap((a) => (a.ok ? [a.result.osystems] : [])),
      ...remote.map((r) => r.offers.osystems),
    ];
    for (const osystems of offered) {
      for (const os of osystems) {
        let entry = byName.get(os.name);
        if (!entry) {
          entry = { os, releases: new Map() };
          byName.set(os.name, entry);
        }
        for (const release of os.releases)
          if (!entry.releases.has(release.name)) entry.releases.set(release.name, release);
        if (entry.os.defaultRelease === '' && os.defaultRelease !== '')
          entry.os = { ...entry.os, defaultRelease: os.defaultRelease };
        if (entry.os.defaultCommissioningRelease === '' && os.defaultCommissioningRelease !== '')
          entry.os = { ...entry.os, defaultCommissioningRelease: os.defaultCommissioningRelease };
      }
    }
    const value = [...byName.values()]
      .map(({ os, releases }) => ({ ...os, releases: [...releases.values()] }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { value, ...unanswered(answers, remote.length) };
  }

  /**
   * Whether a license key is valid for a release: valid when any connected rack says so (as
   * MAAS); when no rack answers, it cannot be told, which is an error rather than a guess.
   */
  async validateLicenseKey(osystem: string, distroSeries: string, key: string): Promise<boolean> {
    const answers = await this.deps.racks.callAll(
      osValidateLicenseKey,
      { osystem, release: distroSeries, key },
      { deadlineMs: this.deadline() },
    );
    if (answers.some((a) => a.ok && a.result.valid)) return true;
    if (answers.some((a) => a.ok)) return false;
    if (answers.length === 0 && (await this.elsewhere()).length > 0)
      throw new AppError(
        'rack_unavailable',
        'Only racks connected to other region processes could validate the license key: ask through one of those.',
      );
    throw new AppError('rack_unavailable', noRackAnswered(answers, 'validate the license key'));
  }

  /**
   * Refuses (400, naming the field) an OS or release that no connected rack can install, and an
   * invalid license key. `distroSeries` may be written `osystem/series`, as MAAS allows.
   */
  async checkInstallable(
    osystem: string | undefined,
    distroSeries: string | undefined,
    options: { readonly licenseKey?: string | undefined; readonly defaultOsystem?: string } = {},
  ): Promise<{ osystem: string; distroSeries: string }> {
    const given = distroSeries ?? '';
    let os = osystem ?? '';
    let series = given;
    const slash = series.indexOf('/');
    if (slash >= 0) {
      const named = series.slice(0, slash);
      if (os !== '' && os !== named)
        throw AppError.invalid({ distro_series: `${series} is not a release of ${os}.` });
      os = named;
      series = series.slice(slash + 1);
    }
    const offered = await this.list();
    if (offered.asked === 0)
      throw AppError.invalid({
        osystem:
          'No rack controller is connected, so no operating system can be installed (start one: ferrum rack start).',
      });
    if (offered.unanswered.length === offered.asked)
      throw new AppError(
        'rack_unavailable',
        `No rack controller answered which operating systems it can install: ${offered.unanswered
          .map((u) => `${u.systemId}: ${u.message}`)
          .join('; ')}`,
      );
    const available = offered.value;
    // A bare release names its OS (`centos7`, `win2016`, as Juju deploys), the default OS first.
    if (os === '')
      os =
        (series === ''
          ? undefined
          : [
              ...available.filter((o) => o.name === options.defaultOsystem),
              ...available.filter((o) => o.name !== options.defaultOsystem),
            ].find((o) => o.releases.some((r) => r.name === series))?.name) ??
        options.defaultOsystem ??
        '';
    const releaseChoices = available.flatMap((o) =>
      o.releases.map((r) => `${o.name}/${r.name}${r.requiresLicenseKey ? '*' : ''}`),
    );
    // A bare release no rack offers, with no default OS to blame: the release is what is wrong.
    if (os === '' && given !== '')
      throw AppError.invalid({ distro_series: invalidChoice(given, 'distro_series', releaseChoices) });
    const match = available.find((o) => o.name === os);
    // MAAS's wording (compose_invalid_choice_text), two spaces and all; the choices are what racks hold.
    if (!match)
      throw AppError.invalid({
        osystem:
          invalidChoice(
            os,
            'osystem',
            available.map((o) => o.name),
          ) + noImages(available),
      });
    const release =
      series === ''
        ? match.releases.find((r) => r.name === match.defaultRelease)
        : match.releases.find((r) => r.name === series);
    if (!release)
      throw AppError.invalid({
        distro_series: invalidChoice(given === '' ? os : given, 'distro_series', releaseChoices),
      });
    // As MAAS: a release that needs a key may deploy without one (it may be in the image, or KMS
    // activates it); a key given must be valid.
    if (release.requiresLicenseKey && options.licenseKey !== undefined && options.licenseKey !== '')
      if (!(await this.validateLicenseKey(os, release.name, options.licenseKey)))
        throw AppError.invalid({ license_key: 'Invalid license key.' });
    return { osystem: os, distroSeries: release.name };
  }

  private async elsewhere(): Promise<readonly { systemId: string; offers: RackOffers }[]> {
    return (await this.deps.elsewhere?.()) ?? [];
  }

  private deadline(): number {
    return this.deps.deadlineMs ?? DEADLINE_MS;
  }
}

/** Who was asked and who did not answer; racks counted by their stored offers always answered. */
function unanswered(answers: readonly RackAnswer<unknown>[], elsewhere = 0): Omit<Merged<unknown>, 'value'> {
  return {
    asked: answers.length + elsewhere,
    unanswered: answers.flatMap((a) => (a.ok ? [] : [{ systemId: a.systemId, message: a.error.message }])),
  };
}

function noRackAnswered(answers: readonly RackAnswer<unknown>[], what: string): string {
  if (answers.length === 0) return `No rack controller is connected to ${what}.`;
  return `No rack controller answered to ${what}: ${answers
    .flatMap((a) => (a.ok ? [] : [`${a.systemId}: ${a.error.message}`]))
    .join('; ')}`;
}

function noImages(available: readonly OfferedOs[]): string {
  return available.length === 0 ? ' (The connected racks hold no boot images yet.)' : '';
}
