import { credentialsOfPreseed } from './preseed-credentials.js';
import type { MaasClient, OAuthCredentials } from './maas-client.js';
import { MultipartForm } from './multipart-form.js';
import { readTar } from './tar-reader.js';
import { simLshw } from './sim-lshw.js';

/** MAAS's metadata API version the simulated ephemeral environment speaks. */
const MD = 'metadata/2012-03-01';

/** The script whose stdout the region parses as the resources document (MAAS's COMMISSIONING_OUTPUT_NAME). */
export const RESOURCES_SCRIPT = '50-maas-01-commissioning';
/** The script whose output is lshw's XML (MAAS's LSHW_OUTPUT_NAME): `details` serves it. */
const LSHW_SCRIPT = 'maas-lshw';
/** The script that configures the BMC and reports its power settings. */
export const BMC_CONFIG_SCRIPT = '30-maas-01-bmc-config';

/** A script of the `maas-scripts` bundle's `index.json`. */
interface IndexedScript {
  readonly name: string;
  readonly path?: string;
  readonly script_result_id?: number;
  readonly script_version_id?: number;
}

interface ScriptIndex {
  readonly '1.0'?: {
    readonly commissioning_scripts?: readonly IndexedScript[];
    readonly testing_scripts?: readonly IndexedScript[];
    readonly release_scripts?: readonly IndexedScript[];
  };
}

/** What the simulator knows of a machine and does for it. */
export interface SimulatedMachineOptions {
  readonly systemId: string;
  readonly hostname: string;
  /** The region with an administrator's key: the boot path's stand-in (status, boot token). */
  readonly admin: MaasClient;
  /** The machine's commissioning resources document (its hardware). */
  readonly resources: () => unknown;
  /** The power settings its BMC configuration reports (power_type sim, its BMC URL and id). */
  readonly bmc: { readonly powerType: string; readonly parameters: Readonly<Record<string, string>> };
  /** Scripts that fail (exit 1) when run, by name: a failing commissioning for tests. */
  readonly failing?: ReadonlySet<string>;
  /** Pause between steps, as a real machine's work takes time (default 0: fast). */
  readonly stepMs?: number;
  /** Switches the simulated machine off, as its OS does at the end of ephemeral work. */
  readonly powerOff: () => void;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What one boot of a simulated machine did. */
export type BootOutcome =
  | { readonly kind: 'commissioned' | 'tested' | 'deployed' | 'erased' }
  | { readonly kind: 'nothing'; readonly status: string }
  | { readonly kind: 'failed'; readonly error: string };

/**
 * One simulated machine. When its BMC powers it on to network-boot, it does what the real
 * machine's ephemeral environment does over the metadata API, chosen by the machine's status
 * (the boot configuration a rack would serve it): commissioning and testing fetch the
 * `maas-scripts` bundle and signal each script's result (the resources document as
 * `50-maas-01-commissioning`'s output, the BMC's settings from `30-maas-01-bmc-config`), then
 * the end, and power off; disk erasing runs the release scripts the same way; deploying reports curtin's install, turns netboot off, "reboots" into
 * the installed OS, which reads its meta-data and user-data and reports cloud-init's
 * `modules-final`. The credentials come from the preseed, through a one-time boot token (the
 * region's `issue_boot_token` op stands in for the boot path that would carry it).
 */
export class SimulatedMachine {
  private booting: Promise<BootOutcome> | undefined;

  constructor(private readonly options: SimulatedMachineOptions) {}

  get systemId(): string {
    return this.options.systemId;
  }

  /** The machine was powered on (network boot or not): plays its boot once at a time. */
  powered(network: boolean): Promise<BootOutcome> {
    this.booting ??= this.boot(network).finally(() => {
      this.booting = undefined;
    });
    return this.booting;
  }

  private async boot(network: boolean): Promise<BootOutcome> {
    const { admin, systemId } = this.options;
    try {
      const machine = await admin.json<{ status_name: string }>('GET', `api/2.0/machines/${systemId}/`);
      const status = machine.status_name;
      // Only a network boot reaches the ephemeral environment; a disk boot just runs the OS.
      if (!network && status !== 'Deploying') return { kind: 'nothing', status };
      switch (status) {
        case 'Commissioning':
          await this.runScripts(await this.credentials(), 'commissioning');
          return { kind: 'commissioned' };
        case 'Testing':
          await this.runScripts(await this.credentials(), 'testing');
          return { kind: 'tested' };
        case 'Deploying':
          await this.deploy(await this.credentials());
          return { kind: 'deployed' };
        case 'Disk erasing':
          await this.runScripts(await this.credentials(), 'release');
          return { kind: 'erased' };
        default:
          return { kind: 'nothing', status };
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.log?.(`${this.options.hostname}: ${message}`);
      return { kind: 'failed', error: message };
    }
  }

  /** The machine's metadata credentials, from its preseed, through a one-time boot token. */
  private async credentials(): Promise<OAuthCredentials> {
    const { admin, systemId } = this.options;
    const token = await admin.post<{ preseed_url: string }>(
      `api/2.0/machines/${systemId}/?op=issue_boot_token`,
      {},
    );
    const preseed = (await admin.as(undefined).request('GET', token.preseed_url)).toString('utf8');
    return credentialsOfPreseed(preseed);
  }

  /**
   * What the script runner does (metadata-runner.ts, MAAS's maas-run-remote-scripts): each
   * script's start is a WORKING signal, its result a WORKING signal with its exit status and
   * files; commissioning that failed ends FAILED at once, else TESTING when tests follow; the
   * run ends OK or FAILED.
   */
  private async runScripts(
    credentials: OAuthCredentials,
    phase: 'commissioning' | 'testing' | 'release',
  ): Promise<void> {
    const md = this.options.admin.as(credentials);
    await this.step();
    const bundle = readTar(await md.request('GET', `${MD}/maas-scripts`));
    const indexFile = bundle.find((f) => f.name === 'index.json');
    const index = indexFile ? (JSON.parse(indexFile.data.toString('utf8')) as ScriptIndex) : {};
    const commissioning = phase === 'commissioning' ? (index['1.0']?.commissioning_scripts ?? []) : [];
    // A release (disk erasing) runs the release scripts only, as a real runner does with its index.
    const testing =
      phase === 'release' ? (index['1.0']?.release_scripts ?? []) : (index['1.0']?.testing_scripts ?? []);
    let failed = await this.runEach(md, commissioning);
    if (phase === 'commissioning') {
      if (failed) {
        await this.signal(md, { status: 'FAILED', error: 'A commissioning script failed.' });
        this.options.powerOff();
        return;
      }
      if (testing.length > 0) await this.signal(md, { status: 'TESTING' });
    }
    failed = (await this.runEach(md, testing)) || failed;
    await this.signal(md, failed ? { status: 'FAILED', error: 'A script failed.' } : { status: 'OK' });
    // cloud-init's power_state: the ephemeral environment powers the machine off.
    this.options.powerOff();
  }

  /** Runs scripts one after another; whether any failed. */
  private async runEach(md: MaasClient, scripts: readonly IndexedScript[]): Promise<boolean> {
    let failed = false;
    for (const script of scripts) {
      await this.signal(md, { status: 'WORKING', name: script.name, ...resultIds(script) });
      await this.step();
      const fails = this.options.failing?.has(script.name) === true;
      failed ||= fails;
      const output = this.outputOf(script.name, fails);
      await this.signal(
        md,
        {
          status: 'WORKING',
          name: script.name,
          exit_status: fails ? '1' : '0',
          runtime: '0.01',
          ...resultIds(script),
          ...(script.name === BMC_CONFIG_SCRIPT
            ? {
                power_type: this.options.bmc.powerType,
                power_parameters: JSON.stringify(this.options.bmc.parameters),
              }
            : {}),
        },
        { [script.name]: output.combined, [`${script.name}.out`]: output.stdout, [`${script.name}.err`]: '' },
      );
    }
    return failed;
  }

  private outputOf(name: string, fails: boolean): { combined: string; stdout: string } {
    if (fails) return { combined: `${name}: simulated failure\n`, stdout: `${name}: simulated failure\n` };
    if (name === RESOURCES_SCRIPT) {
      const document = JSON.stringify(this.options.resources());
      return { combined: document, stdout: document };
    }
    if (name === LSHW_SCRIPT) {
      const xml = simLshw(this.options.resources());
      return { combined: xml, stdout: xml };
    }
    return { combined: `${name}: ok (simulated)\n`, stdout: `${name}: ok (simulated)\n` };
  }

  private async deploy(credentials: OAuthCredentials): Promise<void> {
    const md = this.options.admin.as(credentials);
    const status = `metadata/status/${this.options.systemId}`;
    const event = (origin: string, name: string, type: 'start' | 'finish', description: string) =>
      md.request(
        'POST',
        status,
        JSON.stringify({
          event_type: type,
          origin,
          name,
          description,
          ...(type === 'finish' ? { result: 'SUCCESS' } : {}),
          timestamp: Date.now() / 1000,
        }),
      );
    await event('curtin', 'cmd-install', 'start', 'curtin command install');
    await this.step();
    await event('curtin', 'cmd-install', 'finish', 'curtin command install');
    // curtin's late command; the metadata API answers plain "OK".
    await md.request('POST', `${MD}/`, new URLSearchParams({ op: 'netboot_off' }));
    await this.step();
    // The installed OS: cloud-init reads its data, then reports the end of its last stage.
    await md.request('GET', `${MD}/meta-data/instance-id`);
    await md.request('GET', `${MD}/user-data`).catch(() => Buffer.alloc(0));
    await event('cloud-init', 'modules-final', 'start', 'running modules for final');
    await this.step();
    await event('cloud-init', 'modules-final', 'finish', 'running modules for final');
  }

  private signal(
    md: MaasClient,
    fields: Readonly<Record<string, string>>,
    files: Readonly<Record<string, string>> = {},
  ): Promise<unknown> {
    const form = new MultipartForm().field('op', 'signal');
    for (const [key, value] of Object.entries(fields)) form.field(key, value);
    for (const [name, content] of Object.entries(files)) form.file(name, content);
    return md.request('POST', `${MD}/`, form);
  }

  private async step(): Promise<void> {
    const ms = this.options.stepMs ?? 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function resultIds(script: IndexedScript): Record<string, string> {
  return {
    ...(script.script_result_id === undefined ? {} : { script_result_id: String(script.script_result_id) }),
    ...(script.script_version_id === undefined
      ? {}
      : { script_version_id: String(script.script_version_id) }),
  };
}
