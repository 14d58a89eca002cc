import type { PowerContext, PowerDriver, PowerState } from '@ferrum/protocol';

/**
 * MAAS's `manual` power type: the operator switches the machine by hand, so on and off do
 * nothing and succeed, and the state is never known. (MAAS marks it `queryable: false`.)
 */
export const manualDriver: PowerDriver = {
  name: 'manual',
  description: 'Manual',
  settings: [],
  requiredTools: [],
  queryable: false,
  on: (_params, ctx) => settle(ctx, undefined),
  off: (_params, ctx) => settle(ctx, undefined),
  query: (_params, ctx) => settle<PowerState>(ctx, 'unknown'),
};

function settle<T>(ctx: PowerContext, value: T): Promise<T> {
  // A throw in the executor rejects the promise: an aborted call rejects with the signal's reason.
  return new Promise((resolve) => {
    ctx.signal.throwIfAborted();
    resolve(value);
  });
}
