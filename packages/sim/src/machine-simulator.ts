import { MaasClient, MaasHttpError, credentialsOfApiKey } from './maas-client.js';
import { SimBmcServer, type SimPowerEvent } from './sim-bmc-server.js';
import { SimulatedMachine, type BootOutcome } from './simulated-machine.js';

/** One simulated machine's hardware: its NICs' MACs (the first boots) and its resources document. */
export interface SimHardware {
  readonly macs: readonly string[];
  readonly architecture: string;
  readonly document: unknown;
}

export interface MachineSimulatorOptions {
  /** The region, e.g. `http://127.0.0.1:5240/MAAS/`. */
  readonly url: string;
  /** An administrator's API key (`consumer_key:token_key:token_secret`). */
  readonly apiKey: string;
  /** How many machines to create. */
  readonly machines: number;
  /** Hardware of machine `index` (0-based): deterministic, so a re-run makes the same machines. */
  readonly hardware: (index: number) => SimHardware;
  /** Hostnames: `<prefix>-<index>` (default `sim`). */
  readonly hostnamePrefix?: string;
  /** Where the simulated BMCs listen: reachable from the racks (default 127.0.0.1, any port). */
  readonly bmcHost?: string;
  readonly bmcPort?: number;
  /** Pause between a machine's steps (default 0: fast). */
  readonly stepMs?: number;
  /** Scripts that fail on the machines `failOn` selects (default: none). */
  readonly failing?: ReadonlySet<string>;
  readonly failOn?: (index: number) => boolean;
  /** Machines created through the API at once (default 16). */
  readonly createConcurrency?: number;
  /** Told of each machine once the region has created it. */
  readonly onCreated?: (systemId: string, index: number) => void;
  readonly log?: (line: string) => void;
}

/** What a running simulator counts. */
export interface SimulatorCounts {
  readonly created: number;
  /** Of `created`, those the region already had from an earlier run (found by MAC). */
  readonly adopted: number;
  readonly boots: number;
  readonly commissioned: number;
  readonly tested: number;
  readonly deployed: number;
  /** Releases whose disk erasing ran. */
  readonly erased: number;
  readonly failed: number;
}

/**
 * The machine simulator: N machines with `sim` BMCs (one SimBmcServer for all), created through
 * the region's MAAS API (so they commission at once, as machines an administrator adds do), each
 * played by a SimulatedMachine whenever its BMC powers it on. It keeps running until `stop`.
 */
export class MachineSimulator {
  private readonly machines = new Map<string, SimulatedMachine>();
  private readonly counts = {
    created: 0,
    adopted: 0,
    boots: 0,
    commissioned: 0,
    tested: 0,
    deployed: 0,
    erased: 0,
    failed: 0,
  };
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly options: MachineSimulatorOptions,
    private readonly bmc: SimBmcServer,
    private readonly admin: MaasClient,
  ) {}

  /** Starts the BMC server and creates the machines; resolves once all are created. */
  static async start(options: MachineSimulatorOptions): Promise<MachineSimulator> {
    if (!Number.isInteger(options.machines) || options.machines < 0)
      throw new Error(`--machines must be a whole number, got ${String(options.machines)}.`);
    const admin = new MaasClient(options.url, credentialsOfApiKey(options.apiKey));
    const bmc = await SimBmcServer.start({
      host: options.bmcHost ?? '127.0.0.1',
      ...(options.bmcPort === undefined ? {} : { port: options.bmcPort }),
    });
    const simulator = new MachineSimulator(options, bmc, admin);
    bmc.on('power', (event) => {
      simulator.onPower(event);
    });
    try {
      await simulator.createAll();
    } catch (error) {
      await simulator.stop();
      throw error;
    }
    return simulator;
  }

  /** The simulated BMCs' base URL (every machine's `power_address`). */
  get bmcUrl(): string {
    return this.bmc.url;
  }

  /** The system_ids of the machines created. */
  get systemIds(): string[] {
    return [...this.machines.keys()];
  }

  snapshot(): SimulatorCounts {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.bmc.close();
  }

  private async createAll(): Promise<void> {
    const { machines, createConcurrency = 16 } = this.options;
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < machines; index = next++) await this.create(index);
    };
    await Promise.all(Array.from({ length: Math.min(createConcurrency, machines) }, worker));
  }

  private async create(index: number): Promise<void> {
    const hardware = this.options.hardware(index);
    const hostname = `${this.options.hostnamePrefix ?? 'sim'}-${String(index)}`;
    // The BMC id is the machine's place in the simulator: known before the region names it.
    const bmcId = hostname;
    this.bmc.add(bmcId, 'off');
    const parameters = { power_address: this.bmc.url, power_id: bmcId };
    // Registered before the machine exists: its commissioning power-on can come at once.
    const pending: { systemId?: string } = {};
    this.byBmc.set(bmcId, pending);
    const power = {
      power_type: 'sim',
      ...Object.fromEntries(Object.entries(parameters).map(([k, v]) => [`power_parameters_${k}`, v])),
    };
    // Created, or (its MACs already in use: an earlier run's machine) adopted.
    const created = await this.admin
      .post<{ system_id: string }>('api/2.0/machines/', {
        hostname,
        architecture: hardware.architecture,
        mac_addresses: [...hardware.macs],
        ...power,
      })
      .catch(async (error: unknown) => {
        const known =
          error instanceof MaasHttpError && error.status === 400 && error.body.includes('already in use')
            ? await this.adopt(hardware, power)
            : undefined;
        if (!known) throw error;
        return known;
      });
    const failing = this.options.failOn?.(index) === true ? this.options.failing : undefined;
    const machine = new SimulatedMachine({
      systemId: created.system_id,
      hostname,
      admin: this.admin,
      resources: () => hardware.document,
      bmc: { powerType: 'sim', parameters },
      ...(failing ? { failing } : {}),
      ...(this.options.stepMs === undefined ? {} : { stepMs: this.options.stepMs }),
      powerOff: () => {
        this.bmc.press(bmcId, 'off');
      },
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    pending.systemId = created.system_id;
    this.machines.set(created.system_id, machine);
    this.counts.created += 1;
    this.options.onCreated?.(created.system_id, index);
    // A power-on that came before the API answered.
    const early = this.early.get(bmcId);
    if (early) {
      this.early.delete(bmcId);
      this.onPower(early);
    }
  }

  /**
   * A machine the region already has from an earlier run (same seed and prefix, so the same
   * MACs): it is played again, its BMC settings pointed at this run's BMC server.
   */
  private async adopt(
    hardware: SimHardware,
    power: Readonly<Record<string, string>>,
  ): Promise<{ system_id: string } | undefined> {
    const mac = hardware.macs[0];
    if (mac === undefined) return undefined;
    const found = await this.admin.json<{ system_id: string }[]>(
      'GET',
      `api/2.0/machines/?mac_address=${encodeURIComponent(mac)}`,
    );
    const existing = found[0];
    if (!existing) return undefined;
    await this.admin.request('PUT', `api/2.0/machines/${existing.system_id}/`, new URLSearchParams(power));
    this.counts.adopted += 1;
    return existing;
  }

  private readonly byBmc = new Map<string, { systemId?: string }>();
  private readonly early = new Map<string, SimPowerEvent>();

  private onPower(event: SimPowerEvent): void {
    if (event.state !== 'on') return;
    const systemId = this.byBmc.get(event.id)?.systemId;
    const machine = systemId ? this.machines.get(systemId) : undefined;
    if (!machine) {
      this.early.set(event.id, event);
      return;
    }
    this.counts.boots += 1;
    const played = machine.powered(event.bootDevice === 'pxe').then((outcome) => {
      this.tally(outcome);
    });
    this.inFlight.add(played);
    void played.finally(() => this.inFlight.delete(played));
  }

  private tally(outcome: BootOutcome): void {
    switch (outcome.kind) {
      case 'commissioned':
        this.counts.commissioned += 1;
        break;
      case 'tested':
        this.counts.tested += 1;
        break;
      case 'deployed':
        this.counts.deployed += 1;
        break;
      case 'erased':
        this.counts.erased += 1;
        break;
      case 'failed':
        this.counts.failed += 1;
        break;
      case 'nothing':
        break;
    }
  }
}
