import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import type { MachinePages } from './machine-page-source.js';
import type { PageAnswer, PageRequest, WorkerOptions } from './machine-pages-worker.js';

const YOUNG_GENERATION_MB = 96;

interface Pending {
  resolve(json: Uint8Array): void;
  reject(error: Error): void;
}

interface Lane {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: Promise<void>;
}

/**
 * Machine list pages read and serialised on worker threads, each with its own small database
 * pool, so a long list uses every core and never blocks the event loop (10,000 machines are
 * 100 MB of JSON: over a second of one core). Pages go to the lane with the fewest in flight;
 * a worker that dies fails its pages and is replaced.
 */
export class MachinePageWorkers implements MachinePages {
  private readonly lanes: Lane[] = [];
  private seq = 0;
  private closing = false;

  constructor(
    private readonly options: WorkerOptions & { readonly workers: number; readonly logger: Logger },
  ) {
    for (let i = 0; i < options.workers; i++) this.lanes.push(this.spawn());
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
    return new URL(`file://${compiled}`);
  }

  render(ids: readonly number[]): Promise<Uint8Array> {
    if (this.closing)
      return Promise.reject(new AppError('internal', 'The machine list workers are stopping.'));
    const lane = this.lanes.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const seq = ++this.seq;
    return new Promise<Uint8Array>((resolve, reject) => {
      lane.pending.set(seq, { resolve, reject });
      lane.worker.postMessage({ seq, ids } satisfies PageRequest);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.lanes.map(async (lane) => {
        lane.worker.postMessage('close');
        // A worker that does not finish closing its pool in time is stopped.
        const timer = setTimeout(() => void lane.worker.terminate(), 5_000);
        await lane.exited;
        clearTimeout(timer);
      }),
    );
  }

  private spawn(): Lane {
    const { databaseUrl, poolSize, prepare } = this.options;
    const worker = new Worker(MachinePageWorkers.script(), {
      workerData: { databaseUrl, poolSize, prepare } satisfies WorkerOptions,
      // Not the parent's flags: a test runner's resolve conditions would load TypeScript sources.
      execArgv: [],
      // A page makes megabytes of short-lived objects: a young generation that holds a few
      // pages spares the collector promoting them (a third less time serialising, measured).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const lane: Lane = {
      worker,
      pending: new Map(),
      exited: new Promise((resolve) => {
        worker.once('exit', () => {
          resolve();
        });
      }),
    };
    worker.on('message', (answer: PageAnswer) => {
      const pending = lane.pending.get(answer.seq);
      if (!pending) return;
      lane.pending.delete(answer.seq);
      if ('json' in answer) pending.resolve(answer.json);
      else pending.reject(new AppError('internal', `Reading a page of machines failed: ${answer.error}`));
    });
    worker.on('error', (error) => {
      this.options.logger.error({ err: error }, 'machine list worker failed');
    });
    worker.on('exit', (code) => {
      for (const pending of lane.pending.values())
        pending.reject(
          new AppError('internal', `The machine list worker stopped (exit code ${String(code)}).`),
        );
      lane.pending.clear();
      if (this.closing) return;
      const index = this.lanes.indexOf(lane);
      if (index >= 0) this.lanes[index] = this.spawn();
    });
    worker.unref();
    return lane;
  }
}
