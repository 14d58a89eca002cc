import { RpcError, rpcErrorCodes, type CompiledMethod, type Static, type TSchema } from '@ferrum/protocol';

/** One rack's answer in a fan-out: its result, or why it gave none (error, deadline, gone). */
export type RackAnswer<R> =
  | { readonly systemId: string; readonly ok: true; readonly result: R; readonly ms: number }
  | { readonly systemId: string; readonly ok: false; readonly error: RpcError; readonly ms: number };

/** Calls the connected racks; what services use (a test gives a fake). */
export interface RackCaller {
  /** The region process whose connections these are (undefined: none, e.g. a one-shot command). */
  readonly regionId?: string | undefined;
  /** The system_ids of the racks connected to this region process now. */
  connectedIds(): string[];
  /** Calls every connected rack at once, each with its own deadline; never rejects. */
  callAll<P extends TSchema, R extends TSchema>(
    method: CompiledMethod<P, R>,
    params: Static<P>,
    options: { readonly deadlineMs: number },
  ): Promise<RackAnswer<Static<R>>[]>;
  /** Calls one rack; rejects with `connectionClosed` when it is not connected here. */
  call<P extends TSchema, R extends TSchema>(
    systemId: string,
    method: CompiledMethod<P, R>,
    params: Static<P>,
    options: { readonly deadlineMs: number },
  ): Promise<Static<R>>;
  /** Closes a rack's connection to this region process, if it has one (the rack was deleted). */
  drop(systemId: string, reason: string): void;
}

/** The caller of a region with no rack connected (one-shot commands, tests that need none). */
export const noRacks: RackCaller = {
  connectedIds: () => [],
  drop: () => undefined,
  callAll: () => Promise.resolve([]),
  call: (systemId) =>
    Promise.reject(
      new RpcError(rpcErrorCodes.connectionClosed, `Rack ${systemId} is not connected to this region.`),
    ),
};
