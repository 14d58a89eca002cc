import type { Logger } from '@ferrum/kit';
import type { MachineLifecycle } from '../services/machine-lifecycle.js';

/**
 * Fails machines that overstay a monitored status (commissioning, deploying, releasing, …):
 * every `intervalMs` it asks the lifecycle for the overdue ones, which moves each to its failed
 * status with an event. Safe with several regions: each machine is failed under its row lock,
 * skipping rows another region holds. A sweep never overlaps the previous one.
 */
export class TimeoutMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly lifecycle: Pick<MachineLifecycle, 'failOverdue'>,
    private readonly logger: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => {
        this.running = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One sweep now; the machines it failed. */
  async sweep(): Promise<string[]> {
    try {
      const failed = await this.lifecycle.failOverdue();
      for (const machineId of failed) this.logger.warn({ machineId }, 'machine operation timed out');
      return failed;
    } catch (error) {
      this.logger.warn({ err: error }, 'timeout sweep failed; retrying at the next interval');
      return [];
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
