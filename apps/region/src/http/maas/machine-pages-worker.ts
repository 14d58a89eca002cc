// A worker thread of MachinePageWorkers: reads pages of machines by id from its own database
// pool and answers each with the page's JSON, encoded, its buffer transferred (not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.js';
import { loadMachineViews } from '../../services/machine-store.js';
import { machinePageJson } from './machine-pages.js';

export interface WorkerOptions {
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly prepare: boolean;
}

export type PageRequest = { readonly seq: number; readonly ids: readonly number[] };
export type PageAnswer =
  { readonly seq: number; readonly json: Uint8Array } | { readonly seq: number; readonly error: string };

const options = workerData as WorkerOptions;
const database = openDatabase(options.databaseUrl, options.poolSize, options.prepare);
const encoder = new TextEncoder();
const port = parentPort;
if (!port) throw new Error('machine-pages-worker runs as a worker thread');

port.on('message', (message: PageRequest | 'close') => {
  if (message === 'close') {
    void database.close().finally(() => {
      port.close();
    });
    return;
  }
  loadMachineViews(database.db, message.ids).then(
    (views) => {
      const json = encoder.encode(machinePageJson(views));
      port.postMessage({ seq: message.seq, json } satisfies PageAnswer, [json.buffer]);
    },
    (error: unknown) => {
      port.postMessage({ seq: message.seq, error: error instanceof Error ? error.message : String(error) });
    },
  );
});
