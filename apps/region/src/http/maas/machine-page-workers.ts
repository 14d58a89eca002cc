import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import type { ListScope } from '../../services/machine-service.js';
import type { MachinePages } from './machine-page-source.js';
import type { PageAnswer, PageRequest, WorkerOptions } from './machine-pages-worker.js';

/**
 * A page makes megabytes of short-lived objects: a young generation that holds a few pages
 * spares the collector promoting them.
 */
const YOUNG_GENERATION_MB = 96;
/** A worker that died is started again after this, doubling while it keeps dying, up to the cap. */
const RESPAWN_MS = 100;
const RESPAWN_MAX_MS = 30_000;
/** A worker that has run this long is taken to have started well: its backoff starts over. */
const HEALTHY_MS = 10_000;

interface Pending {
  resolve(json: Uint8Array): void;
  reject(error: Error): void;
}

interface Lane {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  exited: Promise<void>;
  backoffMs: number;
}

export interface MachinePageWorkersOptions extends WorkerOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** Where pages go while no worker is running (they start, or died and wait to restart). */
  readonly fallback: MachinePages;
}

/**
 * Machine list pages read and serialised on worker threads, each with its own small database
 * pool, so a long list uses every core and never blocks the event loop (10,000 machines are
 * 100 MB of JSON: over a second of one core). Pages go to the running worker with the fewest
 * in flight. A worker that dies fails the pages it held and is started again with backoff;
 * while none runs, pages are served by the fallback (on the event loop).
 */
export class MachinePageWorkers implements MachinePages {
  private readonly lanes: Lane[] = [];
  private readonly script: URL;
  private seq = 0;
  private closing = false;

  constructor(private readonly options: MachinePageWorkersOptions) {
    this.script = MachinePageWorkers.script();
    for (let i = 0; i < options.workers; i++) {
      const lane: Lane = {
        worker: undefined,
        pending: new Map(),
        exited: Promise.resolve(),
        backoffMs: RESPAWN_MS,
      };
      this.lanes.push(lane);
      this.start(lane);
    }
  }

  /** The compiled worker script: beside this module in dist, or dist's copy when running from src (tests). */
  static script(): URL {
    const here = fileURLToPath(import.meta.url);
    const compiled = here.endsWith('.ts')
      ? here.replace(/\/src\/http\/maas\/[^/]+\.ts$/, '/dist/http/maas/machine-pages-worker.js')
      : here.replace(/[^/]+\.js$/, 'machine-pages-worker.js');
    if (!existsSync(compiled))
      throw new AppError(
        'internal',
        `The machine list worker ${compiled} is missing: run the build (tsc -b).`,
      );
    return pathToFileURL(compiled);
  }

  render(ids: readonly number[], scope: ListScope): Promise<string | Uint8Array> {
    if (this.closing)
      return Promise.reject(new AppError('internal', 'The machine list workers are stopping.'));
    let lane: Lane | undefined;
    for (const candidate of this.lanes)
      if (candidate.worker && (!lane || candidate.pending.size < lane.pending.size)) lane = candidate;
    const worker = lane?.worker;
    if (!lane || !worker) return this.options.fallback.render(ids, scope);
    const seq = ++this.seq;
    const pending = lane.pending;
    return new Promise<Uint8Array>((resolve, reject) => {
      pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, ids, scope } satisfies PageRequest);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.lanes.map(async (lane) => {
        const worker = lane.worker;
        if (!worker) return;
        worker.postMessage('close');
        // A worker that does not finish closing its pool in time is stopped.
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        await lane.exited;
        clearTimeout(timer);
      }),
    );
  }

  private start(lane: Lane): void {
    const { databaseUrl, poolSize, prepare, logger } = this.options;
    let worker: Worker;
    try {
      worker = new Worker(this.script, {
        workerData: { databaseUrl, poolSize, prepare } satisfies WorkerOptions,
        // Not the parent's flags: a test runner's resolve conditions would load TypeScript sources.
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
    } catch (error) {
      logger.error({ err: error }, 'machine list worker could not start');
      this.restartLater(lane);
      return;
    }
    const startedAt = Date.now();
    lane.worker = worker;
    lane.exited = new Promise((resolve) => {
      worker.once('exit', () => {
        resolve();
      });
    });
    worker.on('message', (answer: PageAnswer) => {
      const pending = lane.pending.get(answer.seq);
      if (!pending) return;
      lane.pending.delete(answer.seq);
      if ('json' in answer) pending.resolve(answer.json);
      else
        pending.reject(
          new AppError('internal', `Reading a page of machines failed: ${answer.error}`, {
            ...(answer.code ? { code: answer.code } : {}),
          }),
        );
    });
    worker.on('error', (error) => {
      logger.error({ err: error }, 'machine list worker failed');
    });
    worker.on('exit', (code) => {
      lane.worker = undefined;
      for (const pending of lane.pending.values())
        pending.reject(
          new AppError('internal', `The machine list worker stopped (exit code ${String(code)}).`),
        );
      lane.pending.clear();
      if (this.closing) return;
      if (Date.now() - startedAt > HEALTHY_MS) lane.backoffMs = RESPAWN_MS;
      this.restartLater(lane);
    });
    worker.unref();
  }

  private restartLater(lane: Lane): void {
    if (this.closing) return;
    const delay = lane.backoffMs;
    lane.backoffMs = Math.min(lane.backoffMs * 2, RESPAWN_MAX_MS);
    setTimeout(() => {
      if (!this.closing) this.start(lane);
    }, delay).unref();
  }
}
