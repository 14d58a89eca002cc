/**
 * Serialises pages of a machine list: each page the JSON of its machines joined by commas
 * (one slice of a JSON array). Either on the event loop (`inlineMachinePages`) or on worker
 * threads (`MachinePageWorkers`), which read and serialise pages beside it.
 */
export interface MachinePages {
  /** The page of machines `ids` (those still there), serialised. */
  render(ids: readonly number[]): Promise<string | Uint8Array>;
  close(): Promise<void>;
}
