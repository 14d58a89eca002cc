import type { ListScope, MachineService } from '../../services/machine-service.js';
import type { MachineView } from '../../services/machine-store.js';
import { machineJson } from './render-machine.js';
import type { MachinePages } from './machine-page-source.js';

/** Machines per page of a streamed list. */
export const MACHINE_PAGE_SIZE = 250;

/** The comma-joined machine JSON of `views`. */
export function machinePageJson(views: readonly MachineView[]): string {
  return views.map(machineJson).join(',');
}

/** Pages serialised on this thread, read by the machine service's `page`. */
export function inlineMachinePages(machines: Pick<MachineService, 'page'>): MachinePages {
  return {
    render: async (ids, scope) => machinePageJson(await machines.page(ids, scope)),
    close: () => Promise.resolve(),
  };
}

/**
 * The list of machines `ids` as a stream of serialised pages, in order, with `ahead` pages
 * being rendered at once ahead of the reader.
 */
export async function* machineListPages(
  pages: MachinePages,
  ids: readonly number[],
  scope: ListScope,
  ahead: number,
  pageSize = MACHINE_PAGE_SIZE,
): AsyncGenerator<string | Uint8Array> {
  const queue: Promise<string | Uint8Array>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < ahead && next < ids.length) {
      const page = pages.render(ids.slice(next, next + pageSize), scope);
      page.catch(() => undefined); // reported when awaited, not as an unhandled rejection
      queue.push(page);
      next += pageSize;
    }
  };
  fill();
  try {
    for (let page = queue.shift(); page; page = queue.shift()) {
      const rendered = await page;
      fill();
      yield rendered;
    }
  } finally {
    // Stopped early (the client went away): no more pages are asked for; those in flight end
    // on their own and are dropped.
    next = ids.length;
  }
}
