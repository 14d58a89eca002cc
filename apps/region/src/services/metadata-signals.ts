import type { Kysely } from 'kysely';
import { AppError, statusLabel, type NodeStatus, type SignalStatus } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import type { MachineLifecycle } from './machine-lifecycle.js';
import type { MachineService } from './machine-service.js';
import { statusOf } from './machine-service.js';
import { RESOURCES_SCRIPT, type HardwareSink } from './metadata-hardware.js';
import type { MetadataScripts, ScriptSignal } from './metadata-scripts.js';

/** One `POST …/?op=signal`, parsed (see signalInput in the HTTP layer). */
export interface SignalInput extends ScriptSignal {
  readonly error?: string | undefined;
  /** From BMC auto-configuration (30-maas-01-bmc-config): stored as the machine's power settings. */
  readonly powerType?: string | undefined;
  readonly powerParameters?: Readonly<Record<string, string>> | undefined;
}

export interface MetadataSignalsDeps {
  readonly db: Kysely<Database>;
  readonly lifecycle: Pick<MachineLifecycle, 'complete'>;
  readonly machines: Pick<MachineService, 'update'>;
  readonly events: EventService;
  readonly scripts: MetadataScripts;
  readonly hardware: HardwareSink;
  /** Automatic tags: evaluated against the machine when its commissioning ends (MAAS's populate_tags_for_single_node). */
  readonly tags?: { applyToMachine(machineId: number): Promise<void> };
  /** node_timeout in minutes: each signal moves the machine's deadline this far ahead. */
  readonly nodeTimeoutMinutes: () => Promise<number>;
  readonly now?: () => Date;
}

/** Who changes a machine's power settings from its commissioning (MAAS's node user). */
export const NODE_ACTOR = 'maas-init-node';

/**
 * Statuses in which a signal is accepted and has no effect (MAAS `signalable_states` that are
 * not effective): a late or repeated signal after the machine moved on is not an error.
 */
const ignoredIn: ReadonlySet<NodeStatus> = new Set<NodeStatus>([
  'NEW',
  'READY',
  'BROKEN',
  'FAILED_COMMISSIONING',
  'FAILED_DEPLOYMENT',
  'FAILED_ENTERING_RESCUE_MODE',
  'FAILED_TESTING',
]);

/**
 * `op=signal`: a machine in the ephemeral environment reports its scripts' progress and
 * results, and the end of its work, which moves it through the lifecycle as MAAS does
 * (metadataserver/api.py VersionIndexHandler.signal): commissioning OK → Ready (Testing when
 * the runner says tests follow; Failed commissioning when a script failed), FAILED → Failed
 * commissioning; testing OK → Ready (or where it came from), FAILED → Failed testing; a failed
 * deployment → Failed deployment; rescue mode entered on OK.
 */
export class MetadataSignals {
  private readonly now: () => Date;

  constructor(private readonly deps: MetadataSignalsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async signal(machine: MachineRow, input: SignalInput): Promise<void> {
    const status = statusOf(machine);
    if (ignoredIn.has(status)) return;
    switch (status) {
      case 'COMMISSIONING':
        return this.commissioning(machine, input);
      case 'TESTING':
        // A machine that keeps signalling is alive, however long its tests (or erasing) take.
        await this.extendDeadline(machine);
        await this.store(machine, input);
        if (input.status === 'OK')
          return (await this.deps.scripts.hasFailedResults(machine))
            ? this.fail(machine, input.error || 'A test failed.')
            : this.succeed(machine);
        if (input.status === 'FAILED') return this.fail(machine, input.error || 'A test failed.');
        return;
      case 'DEPLOYING':
        await this.store(machine, input);
        if (input.status === 'FAILED')
          return this.fail(
            machine,
            input.error || 'Installation failed (refer to the installation log for more information).',
          );
        return;
      case 'DEPLOYED':
      case 'RESCUE_MODE':
        // Results of a deployed machine's hardware sync or of scripts run in rescue mode: kept.
        await this.store(machine, input);
        await this.applyResources(machine, input);
        return;
      case 'DISK_ERASING':
        await this.extendDeadline(machine);
        await this.store(machine, input);
        if (input.status === 'FAILED') return this.fail(machine, input.error || 'Failed to erase disks.');
        if (input.status === 'OK') {
          if (await this.deps.scripts.hasFailedResults(machine))
            return this.fail(machine, input.error || 'Failed to erase disks.');
          await this.event(machine, 'Disks erased');
          // The release goes on: off, then Ready (MAAS's _process_disk_erasing: node.release()).
          return this.succeed(machine);
        }
        return;
      case 'ENTERING_RESCUE_MODE':
        if (input.status === 'OK' || input.status === 'WORKING') return this.succeed(machine);
        if (input.status === 'FAILED')
          return this.fail(machine, input.error || 'Failed to enter rescue mode.');
        return;
      case 'RELEASING':
        await this.store(machine, input);
        if (input.status === 'FAILED') return this.fail(machine, input.error || 'Failed to release machine.');
        return;
      case 'NEW':
      case 'READY':
      case 'ALLOCATED':
      case 'BROKEN':
      case 'EXITING_RESCUE_MODE':
      case 'FAILED_COMMISSIONING':
      case 'FAILED_DEPLOYMENT':
      case 'FAILED_DISK_ERASING':
      case 'FAILED_ENTERING_RESCUE_MODE':
      case 'FAILED_EXITING_RESCUE_MODE':
      case 'FAILED_RELEASING':
      case 'FAILED_TESTING':
      case 'MISSING':
      case 'RESERVED':
      case 'RETIRED':
        throw new AppError(
          'invalid_transition',
          `Machine status isn't valid (status is ${statusLabel(status)}): it has nothing to signal about.`,
        );
    }
  }

  private async commissioning(machine: MachineRow, input: SignalInput): Promise<void> {
    await this.extendDeadline(machine);
    await this.store(machine, input);
    await this.applyResources(machine, input);
    if (input.powerType !== undefined) await this.storePower(machine, input);
    const targets: Partial<Record<SignalStatus, 'READY' | 'TESTING' | 'FAILED'>> = {
      OK: 'READY',
      TESTING: 'TESTING',
      FAILED: 'FAILED',
    };
    const target = targets[input.status];
    if (target === undefined) return;
    // Commissioning has ended: a script that failed (or whose results could not be used) fails it.
    if (target === 'FAILED' || (await this.deps.scripts.hasFailedResults(machine)))
      return this.fail(machine, input.error || 'Commissioning failed: a commissioning script failed.');
    await this.applyTags(machine);
    return this.succeed(machine, target === 'TESTING' ? 'TESTING' : undefined);
  }

  /**
   * The automatic tags, evaluated on the details this commissioning found. A failure is the
   * machine's WARNING event, not the signal's: commissioning still ends (MAAS only logs it).
   */
  private async applyTags(machine: MachineRow): Promise<void> {
    try {
      await this.deps.tags?.applyToMachine(machine.id);
    } catch (error) {
      await this.deps.events.record({
        type: 'Commissioning',
        level: 'WARNING',
        description: `Automatic tags were not evaluated: ${(error as Error).message}`,
        nodeSystemId: machine.system_id,
        nodeHostname: machine.hostname,
      });
    }
  }

  private store(machine: MachineRow, input: SignalInput): Promise<void> {
    return this.deps.scripts.recordSignal(machine, input);
  }

  /** The output of 50-maas-01-commissioning is the resources document: the inventory comes from it. */
  private async applyResources(machine: MachineRow, input: SignalInput): Promise<void> {
    const files = input.files.filter((f) => f.scriptName === RESOURCES_SCRIPT);
    const file = files.find((f) => f.part === 'stdout') ?? files.find((f) => f.part === 'output');
    if (!file || file.data.length === 0) return;
    let document: unknown;
    try {
      document = JSON.parse(file.data.toString('utf8'));
    } catch (error) {
      throw AppError.invalid({
        [file.part === 'stdout' ? `${RESOURCES_SCRIPT}.out` : RESOURCES_SCRIPT]:
          `The resources document is not JSON: ${(error as Error).message}`,
      });
    }
    await this.deps.hardware.applyResources(machine.system_id, document);
  }

  /** BMC auto-configuration's power settings, checked as any update of them is (400 naming the field). */
  private async storePower(machine: MachineRow, input: SignalInput): Promise<void> {
    // A machine on Redfish stays on Redfish when the BMC script reports IPMI (MAAS does the same).
    const powerType = machine.power_type === 'redfish' ? 'redfish' : input.powerType;
    await this.deps.machines.update(
      machine.system_id,
      { powerType, ...(input.powerParameters ? { powerParameters: input.powerParameters } : {}) },
      NODE_ACTOR,
    );
  }

  /**
   * A machine that signals is alive: its deadline moves to node_timeout from now. (MAAS clears
   * it at the first signal and leaves a silent machine to its script reaper; here a machine that
   * goes quiet for node_timeout is failed by the timeout monitor.)
   */
  private async extendDeadline(machine: MachineRow): Promise<void> {
    if (machine.status_expires === null) return;
    const minutes = await this.nodeTimeoutMinutes();
    const deadline = this.now().getTime() + minutes * 60_000;
    // Moved ahead less than a minute ago: a machine signals many times a minute, and the
    // deadline's purpose (minutes of silence) needs no write for each one.
    if (machine.status_expires.getTime() >= deadline - 60_000) return;
    await this.deps.db
      .updateTable('machines')
      .set({ status_expires: new Date(deadline) })
      .where('id', '=', machine.id)
      .where('status', '=', machine.status)
      .execute();
  }

  private timeoutCache: { minutes: number; read: number } | undefined;

  /** node_timeout, read at most every 10 s (signals come by the hundred a second at scale). */
  private async nodeTimeoutMinutes(): Promise<number> {
    const now = this.now().getTime();
    if (this.timeoutCache === undefined || now - this.timeoutCache.read >= 10_000)
      this.timeoutCache = { minutes: await this.deps.nodeTimeoutMinutes(), read: now };
    return this.timeoutCache.minutes;
  }

  private async succeed(machine: MachineRow, next?: 'TESTING'): Promise<void> {
    await this.moved(() => this.deps.lifecycle.complete(machine.system_id, 'succeeded', '', next));
  }

  private async fail(machine: MachineRow, description: string): Promise<void> {
    await this.moved(() => this.deps.lifecycle.complete(machine.system_id, 'failed', description));
  }

  /** A second signal racing the first finds the machine moved on: not an error (MAAS ignores it). */
  private async moved(change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'invalid_transition')) throw error;
    }
  }

  private event(machine: MachineRow, type: string): Promise<void> {
    return this.deps.events.record({
      type,
      level: 'INFO',
      nodeSystemId: machine.system_id,
      nodeHostname: machine.hostname,
    });
  }
}
