import type { Logger } from '@ferrum/kit';
import type { NetworkChanges } from '../services/network-changes.js';

/** How long changes are kept: long enough for a consumer that was down for days to catch up. */
export const NETWORK_CHANGE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Deletes network changes older than the retention that every consumer has passed
 * (`NetworkChanges.prune`), every `intervalMs` (an hour). Safe with several regions: each
 * deletes what is old, a row deleted by one is simply gone for the others. A run never overlaps
 * the previous one; a failure is logged and tried again at the next interval.
 */
export class NetworkChangePruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly changes: Pick<NetworkChanges, 'prune'>,
    private readonly logger: Logger,
    private readonly options: {
      readonly intervalMs?: number;
      readonly retentionMs?: number;
      readonly now?: () => number;
    } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        this.running ??= this.prune().finally(() => {
          this.running = undefined;
        });
      },
      this.options.intervalMs ?? 60 * 60 * 1000,
    );
    this.timer.unref();
  }

  /** One pruning now; how many changes it deleted. */
  async prune(): Promise<number> {
    const now = this.options.now?.() ?? Date.now();
    try {
      const deleted = await this.changes.prune(
        new Date(now - (this.options.retentionMs ?? NETWORK_CHANGE_RETENTION_MS)),
      );
      if (deleted > 0) this.logger.info({ deleted }, 'pruned old network changes');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'network change pruning failed; retrying at the next interval');
      return 0;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
