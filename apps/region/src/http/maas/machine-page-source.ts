import type { ListScope } from '../../services/machine-service.js';

/**
 * Serialises pages of a machine list: each page the JSON of its machines joined by commas
 * (one slice of a JSON array). Either on the event loop (`inlineMachinePages`) or on worker
 * threads (`MachinePageWorkers`), which read and serialise pages beside it.
 */
export interface MachinePages {
  /**
   * The page of machines `ids` of a list read under `scope`, serialised: those that still
   * exist, that its viewer may still see and that still match its filters.
   */
  render(ids: readonly number[], scope: ListScope): Promise<string | Uint8Array>;
  close(): Promise<void>;
}
