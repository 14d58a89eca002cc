import type { SignalStatus } from '@ferrum/domain';
import type { MachineRow } from '../db/schema.js';
import { tarArchive } from './metadata-tar.js';

/** Which column of a script result an uploaded file fills (MAAS `_EXT_TO_KEY`). */
export type ResultPart = 'output' | 'stdout' | 'stderr' | 'result';

/** A file of a signal: `<name>` (combined output), `<name>.out`, `<name>.err`, `<name>.yaml`. */
export interface SignalFile {
  /** The script's name, the extension taken off. */
  readonly scriptName: string;
  readonly part: ResultPart;
  readonly data: Buffer;
}

/** What one `op=signal` says about the machine's scripts. */
export interface ScriptSignal {
  readonly status: SignalStatus;
  readonly scriptResultId?: number | undefined;
  readonly scriptVersionId?: number | undefined;
  readonly exitStatus?: number | undefined;
  readonly runtime?: number | undefined;
  readonly name?: string | undefined;
  readonly files: readonly SignalFile[];
}

/**
 * What the metadata API needs from scripts and script results (built elsewhere: the scripts
 * service plugs in here through `createServices`). The default below has no scripts at all.
 */
export interface MetadataScripts {
  /**
   * The `maas-scripts` tar of the machine's current script sets: `index.json`
   * (`{"1.0": {"commissioning_scripts": [...], "testing_scripts": [...]}}`) and the scripts.
   * Undefined when the machine has nothing to run (an empty index is served then).
   */
  scriptsTar(machine: MachineRow): Promise<Buffer | undefined>;
  /** Stores what a signal carries for the machine's current script set (results, outputs, states). */
  recordSignal(machine: MachineRow, signal: ScriptSignal): Promise<void>;
  /** Whether a script of the machine's current commissioning or testing set has failed. */
  hasFailedResults(machine: MachineRow): Promise<boolean>;
}

/** An index with no scripts: the runner signals OK at once. */
export function emptyScriptsTar(mtime: number): Buffer {
  const index = { '1.0': { commissioning_scripts: [], testing_scripts: [] } };
  return tarArchive([{ path: 'index.json', data: Buffer.from(JSON.stringify(index)), mode: 0o644 }], mtime);
}

/** No scripts and no results (until the scripts service is plugged in). */
export const noMetadataScripts: MetadataScripts = {
  scriptsTar: () => Promise.resolve(undefined),
  recordSignal: () => Promise.resolve(),
  hasFailedResults: () => Promise.resolve(false),
};
