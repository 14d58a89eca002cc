import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import {
  archList,
  imagesList,
  osList,
  powerDescribeTypes,
  CLOSE_UNAUTHORISED,
  MAX_FRAME_BYTES,
  HandshakeServer,
  PROTOCOL_VERSION,
  RPC_PATH,
  RpcError,
  connectRpc,
  rpcErrorCodes,
  rpcMethods,
  type CompiledMethod,
  type ParamsOf,
  DEAD_AFTER_MS,
  type RpcPeer,
  type handshakeHello,
  type handshakeProve,
  type rackRegister,
  type rackReportServices,
} from '@ferrum/protocol';
import type { RackService } from '../services/rack-service.js';
import type { RackConnections } from './rack-connections.js';

/** How long racks have to answer the closing handshake when the region stops. */
const CLOSE_WAIT_MS = 1_000;

export interface RpcServer {
  /** WebSocket connections open now (authenticated or not). */
  connected(): number;
  close(): Promise<void>;
}

export interface RpcServerDeps {
  readonly racks: RackService;
  readonly connections: RackConnections;
  /** This region process's id, recorded as the holder of its racks' connections. */
  readonly regionId: string;
  readonly logger: Logger;
  /** How often the racks connected here are shown alive, and how long a silent one lasts. */
  readonly touchEveryMs?: number;
  readonly silentAfterMs?: number;
}

/**
 * The region's end of the rack RPC at `/MAAS/rpc/` on the region's HTTP server: each
 * connection starts with the handshake (the shared secret, or a registered rack's own
 * credential) and answers nothing else until it holds; a refused handshake is answered, logged,
 * recorded as an event, and the connection closed.
 */
export function attachRpcServer(server: Server, deps: RpcServerDeps): RpcServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  // Database writes about connections still running; the region waits for them as it stops.
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const writes = new RackWrites(deps.logger, track);
  let stopping = false;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== RPC_PATH && path !== RPC_PATH.slice(0, -1)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      serve(ws, request.socket.remoteAddress, deps, track, writes, () => stopping);
    });
  };
  server.on('upgrade', onUpgrade);
  // The racks held here are refreshed in the database, so every region process sees them alive;
  // any region marks disconnected those whose region stopped refreshing them (it died).
  // Three missed refreshes and a margin: a region stalled a few seconds does not lose its racks
  // (and one that did claims them back at its next refresh).
  const touchEveryMs = deps.touchEveryMs ?? 3_000;
  const silentAfterMs = deps.silentAfterMs ?? 3 * touchEveryMs + DEAD_AFTER_MS;
  deps.connections.regionId = deps.regionId;
  let refreshing = false;
  let ticks = 0;
  const liveness = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    // Now and then the offers too (a rack's image cache changes).
    if (++ticks % OFFERS_EVERY_TICKS === 0)
      for (const id of deps.connections.connectedIds()) track(collectOffers(id, deps));
    const tick = deps.racks
      .touch(deps.connections.connectedIds(), deps.regionId)
      .then((gone) => {
        // Deleted through another region process: this one closes their connections.
        for (const id of gone) deps.connections.drop(id, 'this rack was deleted');
        return deps.racks.sweepSilent(silentAfterMs);
      })
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'refreshing rack liveness failed');
      })
      .finally(() => {
        refreshing = false;
      });
    track(tick.then(() => undefined));
  }, touchEveryMs);
  liveness.unref();
  return {
    connected: () => wss.clients.size,
    close: async () => {
      stopping = true;
      clearInterval(liveness);
      server.off('upgrade', onUpgrade);
      const closing = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => {
              resolve();
            });
            ws.close(1001, 'region stopping');
          }),
      );
      wss.close();
      // Racks get a moment to answer the closing handshake; then their sockets are cut.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(closing),
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await Promise.all(closing);
      await Promise.all(pending);
    },
  };
}

/** Offers are asked again every this many liveness refreshes (20 × 3 s: a minute). */
const OFFERS_EVERY_TICKS = 20;

/**
 * Asks a connected rack what it offers (OS registry, architectures, images, power types) and
 * stores it, so every region process can count racks it does not hold. A rack that does not
 * answer keeps what it offered before; the failure is logged.
 */
async function collectOffers(systemId: string, deps: RpcServerDeps): Promise<void> {
  const options = { deadlineMs: 10_000 };
  try {
    const [os, arch, images, power] = await Promise.all([
      deps.connections.call(systemId, osList, {}, options),
      deps.connections.call(systemId, archList, {}, options),
      deps.connections.call(systemId, imagesList, {}, options),
      deps.connections.call(systemId, powerDescribeTypes, {}, options),
    ]);
    await deps.racks.storeOffers(systemId, {
      osystems: os.osystems,
      architectures: arch.architectures,
      images: images.images,
      powerTypes: power.powerTypes,
    });
  } catch (error) {
    // A rack that only registered (ferrum rack register), or went away meanwhile, is asked
    // again when it connects to stay.
    const expected =
      error instanceof RpcError &&
      (error.code === rpcErrorCodes.methodNotFound || error.code === rpcErrorCodes.connectionClosed);
    if (expected) deps.logger.debug({ rackId: systemId, reason: error.message }, 'rack offers not collected');
    else deps.logger.warn({ err: error, rackId: systemId }, 'could not collect what a rack offers');
  }
}

/**
 * What the database hears of each rack, in order per rack across its connections (an old
 * connection's disconnection must not land after its successor's connection); each write is
 * tracked so the region waits for it as it stops.
 */
class RackWrites {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly track: (work: Promise<void>) => void,
  ) {}

  run(systemId: string, what: string, step: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(systemId) ?? Promise.resolve()).then(step).catch((error: unknown) => {
      this.logger.error({ err: error, rackId: systemId }, `recording ${what} failed`);
    });
    this.chains.set(systemId, next);
    this.track(next);
    void next.then(() => {
      if (this.chains.get(systemId) === next) this.chains.delete(systemId);
    });
    return next;
  }
}

function serve(
  ws: WebSocket,
  address: string | undefined,
  deps: RpcServerDeps,
  track: (work: Promise<void>) => void,
  writes: RackWrites,
  stopping: () => boolean,
): void {
  const logger = deps.logger.child({ component: 'rpc', ip: address });
  const handshake = new HandshakeServer({ min: 1, max: PROTOCOL_VERSION }, (systemId) =>
    deps.racks.keyFor(systemId),
  );
  const connection = {
    peer: undefined as unknown as RpcPeer,
    close: (code: number, reason: string) => {
      ws.close(code, reason);
    },
  };
  let rackId: string | undefined;
  let registering = false;
  let closed = false;
  const record = (what: string, step: () => Promise<void>) => writes.run(rackId ?? '', what, step);
  const refuse = (reason: string) => {
    logger.warn({ reason }, 'rack connection refused');
    track(
      deps.racks.refused(address, reason).catch((error: unknown) => {
        logger.error({ err: error }, 'recording a refused rack connection failed');
      }),
    );
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
      if (registering)
        throw new RpcError(rpcErrorCodes.invalidRequest, 'rack.register may come only once per connection.');
      registering = true;
      const work = deps.racks.register(params as ParamsOf<typeof rackRegister>, handshake.systemId);
      track(
        work.then(
          () => undefined,
          () => undefined,
        ),
      );
      // A name taken by a connected rack, or a rack deleted since its handshake: refused.
      // A rack deleted since its handshake is refused; a name taken is a conflict, answered as
      // such (the secret was right), and the connection stays for the rack to close.
      const registered = await guarded(() =>
        work.catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'unauthenticated')
            throw new RpcError(rpcErrorCodes.unauthorised, error.message);
          throw error;
        }),
      );
      // The rack may have gone while it was registered: a closed connection is not added.
      if (closed)
        throw new RpcError(rpcErrorCodes.connectionClosed, 'The connection closed during rack.register.');
      const id = registered.systemId;
      rackId = id;
      deps.connections.add(id, connection);
      await record('the connection', () => deps.racks.connected(id, address, deps.regionId));
      // Asked once the rack has its answer (it serves nothing before that).
      setImmediate(() => {
        if (!stopping()) track(collectOffers(id, deps));
      });
      logger.info({ rackId: id }, 'rack connected');
      return registered.credential === undefined
        ? { systemId: id }
        : { systemId: id, credential: handshake.seal(registered.credential) };
    }
    if (rackId === undefined)
      throw new RpcError(rpcErrorCodes.invalidRequest, `${method.name} before rack.register.`);
    if (method.name === 'rack.reportServices') {
      const id = rackId;
      const { services } = params as ParamsOf<typeof rackReportServices>;
      await record('services', () => deps.racks.reportServices(id, services));
      return {};
    }
    throw new RpcError(rpcErrorCodes.methodNotFound, `${method.name} is not served by this region.`);
  };
  connection.peer = connectRpc(ws, {
    methods: rpcMethods,
    end: 'region',
    version: PROTOCOL_VERSION,
    maxFrameBytes: MAX_FRAME_BYTES,
    // The rack is told only that the call failed; the cause (a database error, a bug) is logged here.
    handler: (method, params) =>
      handler(method, params).catch((error: unknown) => {
        if (!(error instanceof RpcError) && !(error instanceof AppError))
          logger.error({ err: error, rackId, method: method.name }, 'a rack call failed');
        throw error;
      }),
    onProtocolError: (reason) => {
      logger.warn({ reason, rackId }, 'rack RPC connection closed: protocol error');
    },
    onClosed: (reason) => {
      closed = true;
      const id = rackId;
      if (id === undefined || !deps.connections.remove(id, connection)) return;
      logger.info({ rackId: id, reason }, 'rack disconnected');
      void record('the disconnection', () => deps.racks.disconnected(id, deps.regionId, reason));
    },
  });
}
