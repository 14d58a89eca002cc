import type { Logger } from '@ferrum/kit';
import {
  CLOSE_DELETED,
  CLOSE_REPLACED,
  rackReportServices,
  type ParamsOf,
  type RpcHandler,
} from '@ferrum/protocol';
import { jitteredBackoff, type Backoff } from './backoff.js';
import {
  RackSessionError,
  openRackSession,
  type RackRegistration,
  type RackSession,
  type RackSessionOptions,
} from './rack-session.js';

/** One service as the rack reports it (dhcp, tftp, http, power, …). */
export type ServiceReport = ParamsOf<typeof rackReportServices>['services'][number];

/** The wait after a refusal, a deletion or a replacement (plus up to 5 s of jitter). */
const LONG_WAIT_MS = 30_000;

export interface RegionLinkOptions {
  /** Region RPC URLs; the rack is connected to one of them at a time. */
  readonly urls: readonly string[];
  readonly systemId: string;
  readonly credential: string;
  readonly registration: () => RackRegistration;
  readonly handler: RpcHandler;
  readonly services: () => readonly ServiceReport[];
  readonly logger: Logger;
  readonly ca?: string | Buffer;
  readonly pinnedCertificate?: Buffer;
  readonly backoff?: Backoff;
  /** The wait after a refusal, a deletion or a replacement (default 30 s, plus up to 5 s). */
  readonly longWaitMs?: number;
  /** A connection that held this long resets the backoff. */
  readonly stableAfterMs?: number;
  readonly connectTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  /** Told each time a session opens, and when one ends. */
  readonly onConnected?: (session: RackSession) => void;
  readonly onDisconnected?: (reason: string) => void;
}

/**
 * The rack's lasting link to its region: dials the region URLs in turn until one takes it,
 * registers and reports its services, and when the connection drops (region restart, network
 * loss, a dead peer) dials again with jittered exponential backoff, forever, until stopped.
 */
export class RegionLink {
  private current: RackSession | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeSleep: (() => void) | undefined;
  private readonly waiters = new Set<(session: RackSession) => void>();
  private readonly cancels = new Set<() => void>();
  /** Aborts a dial or handshake in progress when the link stops. */
  private readonly aborter = new AbortController();
  private readonly backoff: Backoff;

  constructor(private readonly options: RegionLinkOptions) {
    if (options.urls.length === 0) throw new RangeError('A rack needs at least one region URL.');
    this.backoff = options.backoff ?? jitteredBackoff();
  }

  /** The open session, if the rack is connected now. */
  get session(): RackSession | undefined {
    return this.current;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves with the session once the rack is connected (at once when it is). */
  connected(timeoutMs: number): Promise<RackSession> {
    if (this.current) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer);
        this.waiters.delete(done);
        this.cancels.delete(cancel);
        reject(new Error(message));
      };
      const timer = setTimeout(() => {
        fail(`The rack did not connect to its region within ${String(timeoutMs)} ms.`);
      }, timeoutMs);
      const cancel = () => {
        fail('The rack stopped before it connected.');
      };
      const done = (session: RackSession) => {
        clearTimeout(timer);
        this.cancels.delete(cancel);
        resolve(session);
      };
      this.waiters.add(done);
      this.cancels.add(cancel);
    });
  }

  /** Sends the services' state now (when one changed); a rack not connected sends it on connecting. */
  async reportServices(): Promise<void> {
    const session = this.current;
    if (!session) return;
    await session.peer.call(rackReportServices, { services: [...this.options.services()] });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.wakeSleep?.();
    this.current?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { urls, logger } = this.options;
    let index = 0;
    let failedRounds = 0;
    let failedInRound = 0;
    // After a refusal, a deletion or a copy of this rack taking its place: the longest wait, in
    // full (a jittered delay may be short), so a rack that cannot succeed does not hammer.
    let longWait = false;
    const pause = () => {
      const long = this.options.longWaitMs ?? LONG_WAIT_MS;
      const ms = longWait
        ? long + Math.round(Math.random() * (long / 6))
        : this.backoff.delayMs(failedRounds++);
      longWait = false;
      return this.sleep(ms);
    };
    while (!this.stopped) {
      const url = urls[index % urls.length] ?? '';
      try {
        const session = await openRackSession(this.sessionOptions(url));
        if (this.isStopped()) {
          session.close();
          break;
        }
        const openedAt = Date.now();
        this.current = session;
        failedInRound = 0;
        logger.info({ url, rackId: session.systemId }, 'connected to the region');
        this.options.onConnected?.(session);
        for (const waiter of this.waiters) waiter(session);
        this.waiters.clear();
        this.reportServices().catch((error: unknown) => {
          logger.warn({ err: error }, 'reporting services failed');
        });
        const reason = await session.closed;
        this.current = undefined;
        this.options.onDisconnected?.(reason);
        if (this.isStopped()) break;
        if (Date.now() - openedAt >= (this.options.stableAfterMs ?? 10_000)) failedRounds = 0;
        if (reason.includes(`(${String(CLOSE_DELETED)}`)) {
          logger.error(
            { url, reason },
            'an administrator deleted this rack; register it again to bring it back',
          );
          longWait = true;
        } else if (reason.includes(`(${String(CLOSE_REPLACED)}`)) {
          // Another process connected with this rack's identity (a copied data dir): the two
          // would knock each other off forever; this one waits the longest.
          logger.error(
            { url, reason },
            'another process uses this rack identity; give each rack its own FERRUM_DATA_DIR',
          );
          longWait = true;
        } else logger.warn({ url, reason }, 'lost the region connection; reconnecting');
        await pause();
        continue;
      } catch (error) {
        if (this.isStopped()) break;
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof RackSessionError && (error.kind === 'refused' || error.kind === 'conflict')) {
          // Refused is not a network blip: retrying fast would only fill the region's event log.
          longWait = true;
          logger.error(
            { url, reason: message },
            'the region refused this rack; if it was deleted or the region was reset, register it again',
          );
        } else logger.warn({ url, reason: message }, 'cannot reach the region');
      }
      index++;
      failedInRound++;
      // After every URL failed once, wait; between URLs of one round, go on at once.
      if (failedInRound >= urls.length || longWait) {
        failedInRound = 0;
        await pause();
      }
    }
  }

  /** Read through a call: `stop()` may have run during any await of the loop. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private sessionOptions(url: string): RackSessionOptions {
    const o = this.options;
    return {
      url,
      key: { key: o.credential, systemId: o.systemId },
      registration: o.registration(),
      handler: o.handler,
      signal: this.aborter.signal,
      logger: o.logger,
      ...(o.ca === undefined ? {} : { ca: o.ca }),
      ...(o.pinnedCertificate === undefined ? {} : { pinnedCertificate: o.pinnedCertificate }),
      ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
      ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
      ...(o.deadAfterMs === undefined ? {} : { deadAfterMs: o.deadAfterMs }),
    };
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
