import {
  CLOSE_DELETED,
  CLOSE_REPLACED,
  RpcError,
  rpcErrorCodes,
  type CompiledMethod,
  type RpcPeer,
  type Static,
  type TSchema,
} from '@ferrum/protocol';
import type { RackAnswer, RackCaller } from '../services/rack-caller.js';

interface Connection {
  readonly peer: RpcPeer;
  close(code: number, reason: string): void;
}

/**
 * The racks connected to this region process, by system_id, and the way to call them. A rack
 * that connects again while its old connection is not yet noticed dead replaces it.
 */
export class RackConnections implements RackCaller {
  private readonly byId = new Map<string, Connection>();
  /** Set once this process knows its id (region presence), before racks connect. */
  regionId: string | undefined;

  /** Records a rack's connection; an older one of the same rack is closed. */
  add(systemId: string, connection: Connection): void {
    const previous = this.byId.get(systemId);
    this.byId.set(systemId, connection);
    previous?.close(CLOSE_REPLACED, 'replaced by a newer connection of this rack');
  }

  /** Forgets a closed connection; true when it was the rack's current one. */
  remove(systemId: string, connection: Connection): boolean {
    if (this.byId.get(systemId) !== connection) return false;
    this.byId.delete(systemId);
    return true;
  }

  /** Closes a rack's connection (the rack was deleted). */
  drop(systemId: string, reason: string): void {
    this.byId.get(systemId)?.close(CLOSE_DELETED, reason);
  }

  has(systemId: string): boolean {
    return this.byId.has(systemId);
  }

  connectedIds(): string[] {
    return [...this.byId.keys()];
  }

  async callAll<P extends TSchema, R extends TSchema>(
    method: CompiledMethod<P, R>,
    params: Static<P>,
    options: { readonly deadlineMs: number },
  ): Promise<RackAnswer<Static<R>>[]> {
    return Promise.all(
      [...this.byId.entries()].map(async ([systemId, connection]): Promise<RackAnswer<Static<R>>> => {
        const started = performance.now();
        try {
          const result = await connection.peer.call(method, params, options);
          return { systemId, ok: true, result, ms: performance.now() - started };
        } catch (error) {
          return { systemId, ok: false, error: asRpcError(error), ms: performance.now() - started };
        }
      }),
    );
  }

  call<P extends TSchema, R extends TSchema>(
    systemId: string,
    method: CompiledMethod<P, R>,
    params: Static<P>,
    options: { readonly deadlineMs: number },
  ): Promise<Static<R>> {
    const connection = this.byId.get(systemId);
    if (!connection)
      return Promise.reject(
        new RpcError(rpcErrorCodes.connectionClosed, `Rack ${systemId} is not connected to this region.`),
      );
    return connection.peer.call(method, params, options);
  }
}

function asRpcError(error: unknown): RpcError {
  return error instanceof RpcError
    ? error
    : new RpcError(rpcErrorCodes.internalError, error instanceof Error ? error.message : String(error));
}
