import { AppError, failedStatusOf, type EventLevelName } from '@ferrum/domain';
import type { MachineRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import type { MachineLifecycle } from './machine-lifecycle.js';
import { statusOf } from './machine-service.js';
import type { MetadataScripts } from './metadata-scripts.js';

/** One cloud-init or curtin reporting event (`POST /MAAS/metadata/status/<system_id>`), parsed. */
export interface StatusEvent {
  readonly eventType: 'start' | 'progress' | 'finish';
  readonly origin: string;
  /** The activity, a slash-separated path: top-level ones (no slash) change the machine's status. */
  readonly name: string;
  readonly description: string;
  readonly result?: 'SUCCESS' | 'FAILURE' | 'WARN' | undefined;
  readonly files: readonly { readonly name: string; readonly data: Buffer }[];
}

export interface MetadataStatusEventsDeps {
  readonly lifecycle: Pick<MachineLifecycle, 'complete'>;
  readonly events: EventService;
  readonly scripts: MetadataScripts;
}

/**
 * The status webhook (MAAS api_twisted StatusHandlerResource): each event is recorded as a
 * machine event (the top-level ones make its status_message); a top-level activity that finishes
 * with FAILURE fails the machine's operation; cloud-init's `modules-final` finishing fine ends
 * a deployment (once the installed OS boots: netboot is off then, or the deployment is
 * ephemeral) and a disk erasure.
 */
export class MetadataStatusEvents {
  constructor(private readonly deps: MetadataStatusEventsDeps) {}

  async receive(machine: MachineRow, event: StatusEvent): Promise<void> {
    const status = statusOf(machine);
    const topLevel = !event.name.includes('/');
    const deploying = status === 'DEPLOYING' || status === 'DEPLOYED';
    const level: EventLevelName =
      event.result === 'FAILURE'
        ? 'ERROR'
        : event.result === 'WARN'
          ? 'WARNING'
          : topLevel && event.eventType !== 'progress'
            ? 'INFO'
            : 'DEBUG';
    const type =
      event.result === 'FAILURE'
        ? deploying
          ? 'Node installation failure'
          : 'Node status failure'
        : event.origin === 'curtin'
          ? 'Node installation'
          : deploying
            ? 'Configuring OS'
            : 'Node status';
    await this.deps.events.record({
      type,
      level,
      description: `'${event.origin}' ${event.description || `${event.eventType} ${event.name}`}`.trim(),
      action: event.name,
      nodeSystemId: machine.system_id,
      nodeHostname: machine.hostname,
    });
    if (event.files.length > 0)
      await this.deps.scripts.recordSignal(machine, {
        status: event.result === 'FAILURE' ? 'FAILED' : 'WORKING',
        name: event.name,
        files: event.files.map((f) => ({ scriptName: f.name, part: 'output', data: f.data })),
      });
    if (event.eventType !== 'finish' || !topLevel) return;

    if (event.result === 'FAILURE') {
      if (failedStatusOf[status] === undefined) return;
      const what = status === 'DEPLOYING' ? 'Installation failed' : `'${event.name}' failed`;
      await this.moved(() =>
        this.deps.lifecycle.complete(
          machine.system_id,
          'failed',
          `${what} (${event.origin}: ${event.description || event.name}).`,
        ),
      );
      return;
    }
    if (event.name !== 'modules-final' || event.origin !== 'cloud-init' || event.result === 'WARN') return;
    // modules-final also finishes in the installer's ephemeral environment, before curtin
    // turned netboot off: only the installed OS's (or an ephemeral deployment's) counts.
    const deployed = status === 'DEPLOYING' && (!machine.netboot || machine.ephemeral_deploy);
    if (deployed || status === 'DISK_ERASING')
      await this.moved(() => this.deps.lifecycle.complete(machine.system_id, 'succeeded'));
  }

  /** An event racing another finds the machine moved on: not an error. */
  private async moved(change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'invalid_transition')) throw error;
    }
  }
}
