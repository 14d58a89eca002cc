import type { Logger } from '@ferrum/kit';
import type { RegionControllerService, RegionInfo } from '../services/region-controller-service.js';

export interface RegionPresenceDeps {
  readonly regions: Pick<RegionControllerService, 'register' | 'heartbeat' | 'deregister'>;
  readonly logger: Logger;
  /** What this process registers as. */
  readonly info: RegionInfo;
  /** How often `last_seen` is refreshed: 10 s, well inside the 60 s a region counts as alive. */
  readonly intervalMs?: number;
}

/**
 * This region process in `regioncontrollers/`: registered by `start()`, kept alive by a refresh
 * every 10 s, removed by `stop()`. A failure is logged and tried again at the next refresh,
 * never thrown: the region serves without its row (it shows as dead, then is forgotten). A
 * process whose row was removed while it was silent registers again under the same system_id.
 */
export class RegionPresence {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private id: string | undefined;

  constructor(private readonly deps: RegionPresenceDeps) {}

  /** This process's system_id; undefined until a registration has succeeded. */
  get systemId(): string | undefined {
    return this.id;
  }

  /** Registers now (a failure is logged and retried at the next refresh), then refreshes on the interval. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.refresh();
    }, this.deps.intervalMs ?? 10_000);
    this.timer.unref();
    await this.refresh();
  }

  /** One refresh now (registering if not registered yet); never overlaps another, never throws. */
  refresh(): Promise<void> {
    this.running ??= this.beat().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops refreshing and removes this process's row (a failure is logged: the row will be forgotten). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.id === undefined) return;
    try {
      await this.deps.regions.deregister(this.id);
    } catch (error) {
      this.deps.logger.warn({ err: error, regionId: this.id }, 'could not deregister this region process');
    }
  }

  private async beat(): Promise<void> {
    const { regions, logger, info } = this.deps;
    try {
      if (this.id === undefined) {
        this.id = await regions.register(info);
        logger.info({ regionId: this.id }, 'region process registered');
      } else if (!(await regions.heartbeat(this.id))) {
        await regions.register(info, this.id);
        logger.warn(
          { regionId: this.id },
          'region process row was gone (silent too long or deleted); registered again',
        );
      }
    } catch (error) {
      logger.warn(
        { err: error, regionId: this.id },
        this.id === undefined
          ? 'could not register this region process; retrying at the next interval'
          : 'could not refresh this region process; retrying at the next interval',
      );
    }
  }
}
