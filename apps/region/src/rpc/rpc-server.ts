import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@ferrum/kit';
import {
  HandshakeServer,
  PROTOCOL_VERSION,
  RPC_PATH,
  RpcError,
  connectRpc,
  rpcErrorCodes,
  rpcMethods,
  type CompiledMethod,
  type ParamsOf,
  type handshakeHello,
  type handshakeProve,
  type rackRegister,
} from '@ferrum/protocol';
import type { RackService } from '../services/rack-service.js';

/** Largest RPC frame, in bytes (the WebSocket refuses bigger ones with 1009). */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** WebSocket close code for a peer that failed the handshake (4000–4999: the application's). */
const CLOSE_UNAUTHORISED = 4001;

export interface RpcServer {
  /** Racks connected and authenticated now, by system_id (undefined before they register). */
  connected(): number;
  close(): Promise<void>;
}

/**
 * The region's end of the rack RPC at `/MAAS/rpc/` on the region's HTTP server: each
 * connection starts with the handshake (the shared secret, or a registered rack's own
 * credential) and answers nothing else until it holds; a refused handshake is answered, logged,
 * recorded as an event, and the connection closed.
 */
export function attachRpcServer(
  server: Server,
  deps: { readonly racks: RackService; readonly logger: Logger },
): RpcServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== RPC_PATH && path !== RPC_PATH.slice(0, -1)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      serve(ws, request.socket.remoteAddress, deps);
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    connected: () => wss.clients.size,
    close: async () => {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'region stopping');
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
    },
  };
}

function serve(
  ws: WebSocket,
  address: string | undefined,
  deps: { readonly racks: RackService; readonly logger: Logger },
): void {
  const logger = deps.logger.child({ component: 'rpc', ip: address });
  const handshake = new HandshakeServer({ min: 1, max: PROTOCOL_VERSION }, (systemId) =>
    deps.racks.keyFor(systemId),
  );
  const refuse = (reason: string) => {
    logger.warn({ reason }, 'rack connection refused');
    void deps.racks.refused(address, reason).catch((error: unknown) => {
      logger.error({ err: error }, 'recording a refused rack connection failed');
    });
    // After the answer has been sent.
    setImmediate(() => {
      ws.close(CLOSE_UNAUTHORISED, 'unauthorised');
    });
  };
  const guarded = async <T>(step: () => Promise<T> | T): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      if (error instanceof RpcError && error.code === rpcErrorCodes.unauthorised) refuse(error.message);
      throw error;
    }
  };
  const handler = async (method: CompiledMethod, params: unknown): Promise<unknown> => {
    switch (method.name) {
      case 'handshake.hello':
        return guarded(() => handshake.hello(params as ParamsOf<typeof handshakeHello>));
      case 'handshake.prove':
        return guarded(() => handshake.prove(params as ParamsOf<typeof handshakeProve>));
      default:
        break;
    }
    if (!handshake.authenticated)
      return guarded(() => {
        throw new RpcError(rpcErrorCodes.unauthorised, `${method.name} before the handshake.`);
      });
    if (method.name === 'rack.register') {
      const registered = await deps.racks.register(
        params as ParamsOf<typeof rackRegister>,
        handshake.systemId,
      );
      logger.info({ rackId: registered.systemId }, 'rack registered');
      return registered;
    }
    throw new RpcError(rpcErrorCodes.methodNotFound, `${method.name} is not served by this region yet.`);
  };
  connectRpc(ws, {
    methods: rpcMethods,
    end: 'region',
    version: PROTOCOL_VERSION,
    maxFrameBytes: MAX_FRAME_BYTES,
    handler,
    onProtocolError: (reason) => {
      logger.warn({ reason }, 'rack RPC connection closed: protocol error');
    },
  });
}
