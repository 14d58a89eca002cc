// A worker thread of MachinePageWorkers: reads pages of machine lists from its own database
// pool and answers each with the page's JSON, encoded, its buffer transferred (not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.js';
import { listPageViews, type ListScope } from '../../services/machine-service.js';
import { machinePageJson } from './machine-pages.js';

export interface WorkerOptions {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly prepare: boolean;
}

export interface PageRequest {
  readonly seq: number;
  readonly ids: readonly number[];
  readonly scope: ListScope;
}
export type PageAnswer =
  | { readonly seq: number; readonly json: Uint8Array }
  | { readonly seq: number; readonly error: string; readonly code?: string };

const options = workerData as WorkerOptions;
const database = openDatabase(options.databaseUrl, options.poolSize, options.prepare);
const encoder = new TextEncoder();
const port = parentPort;
if (!port) throw new Error('machine-pages-worker runs as a worker thread');

async function answer(request: PageRequest): Promise<void> {
  try {
    const json = encoder.encode(
      machinePageJson(await listPageViews(database.db, request.ids, request.scope)),
    );
    port?.postMessage({ seq: request.seq, json } satisfies PageAnswer, [json.buffer]);
  } catch (error) {
    // One page's failure is that page's answer; the worker goes on with the others.
    const code = (error as { code?: unknown }).code;
    port?.postMessage({
      seq: request.seq,
      error: error instanceof Error ? error.message : String(error),
      ...(typeof code === 'string' ? { code } : {}),
    } satisfies PageAnswer);
  }
}

port.on('message', (message: PageRequest | 'close') => {
  if (message === 'close') {
    void database.close().finally(() => {
      port.close();
    });
    return;
  }
  void answer(message);
});
