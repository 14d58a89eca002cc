import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import type { Logger } from '@ferrum/kit';
import {
  MAX_FRAME_BYTES,
  HandshakeClient,
  PROTOCOL_VERSION,
  RpcError,
  connectRpc,
  handshakeHello,
  handshakeProve,
  rackRegister,
  rpcErrorCodes,
  rpcMethods,
  type ParamsOf,
  type RackKey,
  type RpcHandler,
  type RpcPeer,
} from '@ferrum/protocol';

/** What the rack tells the region about itself when it registers (all but its system_id). */
export type RackRegistration = Omit<ParamsOf<typeof rackRegister>, 'systemId'>;

export interface RackSessionOptions {
  /** The region's RPC URL (`ws://host:5240/MAAS/rpc/`). */
  readonly url: string;
  /** The shared secret (to register), or the rack's credential with its system_id. */
  readonly key: RackKey;
  readonly registration: RackRegistration;
  /** Answers the region's calls (os.list, …). */
  readonly handler: RpcHandler;
  /** PEM certificates trusted for a wss:// region, besides the system's. */
  readonly ca?: string | Buffer;
  /**
   * The region's own certificate (PEM), trusted whatever host name the rack dials it by: the
   * all-in-one rack reaches its region over loopback, which the certificate does not name.
   */
  readonly pinnedCertificate?: Buffer;
  readonly logger: Logger;
  readonly connectTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  /** Aborts the dial and handshake (the rack is stopping). */
  readonly signal?: AbortSignal;
}

export interface RackSession {
  readonly peer: RpcPeer;
  readonly url: string;
  readonly systemId: string;
  readonly credential: string;
  /** Settles with why, once the connection has ended. */
  readonly closed: Promise<string>;
  close(): void;
}

/** Why a session could not be opened: the region refused the rack, or could not be reached. */
export class RackSessionError extends Error {
  override readonly name = 'RackSessionError';
  constructor(
    readonly kind: 'refused' | 'conflict' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Dials the region, proves the key in the handshake (checking the region's proof first) and
 * registers: the session is open when this resolves, with the rack's system_id and credential
 * (new when it registered with the shared secret).
 */
export async function openRackSession(options: RackSessionOptions): Promise<RackSession> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  // ws hands these to tls.connect; its own typing of checkServerIdentity is not Node's.
  const socket = new WebSocket(options.url, {
    maxPayload: MAX_FRAME_BYTES,
    handshakeTimeout: timeoutMs,
    ...tlsOptions(options),
  } as unknown as ClientOptions);
  // The peer listens from the start: a frame that arrives with the upgrade's answer is not lost.
  let established = false;
  let markClosed: (reason: string) => void = () => undefined;
  const closed = new Promise<string>((resolve) => (markClosed = resolve));
  const peer = connectRpc(socket, {
    methods: rpcMethods,
    end: 'rack',
    version: PROTOCOL_VERSION,
    maxFrameBytes: MAX_FRAME_BYTES,
    // Nothing is answered before the region has proved it knows the key and taken the rack.
    handler: (method, params, signal) =>
      established
        ? options.handler(method, params, signal)
        : Promise.reject(
            new RpcError(rpcErrorCodes.unauthorised, 'The region has not completed the handshake.'),
          ),
    defaultDeadlineMs: timeoutMs,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.deadAfterMs === undefined ? {} : { deadAfterMs: options.deadAfterMs }),
    onProtocolError: (reason) => {
      options.logger.warn({ reason }, 'region RPC connection closed: protocol error');
    },
    onClosed: markClosed,
  });
  // An error after the dial settled (a refused upgrade being torn down) must not go unheard.
  socket.on('error', () => undefined);
  const onAbort = () => {
    socket.terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await opened(socket, options);
    return await establish(socket, peer, options, closed, () => {
      established = true;
    });
  } catch (error) {
    socket.terminate();
    if (error instanceof RpcError && error.code === rpcErrorCodes.unauthorised)
      throw new RackSessionError('refused', `${options.url} refused this rack: ${error.message}`);
    if (error instanceof RpcError && (error.data as { code?: unknown } | undefined)?.code === 'conflict')
      throw new RackSessionError('conflict', `${options.url}: ${error.message}`);
    if (error instanceof RpcError)
      throw new RackSessionError('unreachable', `${options.url}: ${error.message}`);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Resolves once the WebSocket is open; rejects, saying why, when it cannot be. */
function opened(socket: WebSocket, options: RackSessionOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new RackSessionError('unreachable', `${options.url}: the rack is stopping`));
      return;
    }
    const fail = (error: Error) => {
      socket.off('open', onOpen);
      reject(new RackSessionError('unreachable', `${options.url}: ${describeSocketError(error)}`));
    };
    const onOpen = () => {
      socket.off('error', fail);
      resolve();
    };
    socket.once('open', onOpen);
    socket.once('error', fail);
    socket.once('unexpected-response', (_request, response) => {
      socket.off('open', onOpen);
      socket.off('error', fail);
      response.resume();
      socket.terminate();
      reject(
        new RackSessionError(
          'unreachable',
          `${options.url}: answered HTTP ${String(response.statusCode)} instead of the RPC (is it a Ferrum region?)`,
        ),
      );
    });
  });
}

/** The handshake (checking the region's proof first) and the registration, over an open socket. */
async function establish(
  socket: WebSocket,
  peer: RpcPeer,
  options: RackSessionOptions,
  closed: Promise<string>,
  onProved: () => void,
): Promise<RackSession> {
  const client = new HandshakeClient({ min: 1, max: PROTOCOL_VERSION }, options.key);
  const answer = await peer.call(handshakeHello, client.helloParams());
  await peer.call(handshakeProve, client.proveParams(answer));
  // The region has proved it knows the key: from now on its calls are answered (it asks what
  // the rack offers as soon as it has registered it, maybe in the same read as that answer).
  onProved();
  const registered = await peer.call(rackRegister, {
    ...options.registration,
    ...(options.key.systemId === undefined ? {} : { systemId: options.key.systemId }),
  });
  return {
    peer,
    url: options.url,
    systemId: registered.systemId,
    // A new credential comes sealed under this connection's key; a known rack keeps its own.
    credential: credentialOf(registered.credential, options.key, client),
    closed,
    close: () => {
      socket.close(1000, 'rack stopping');
    },
  };
}

/** The credential a registration answered: a rack that proved the shared secret must get one. */
function credentialOf(sealed: string | undefined, key: RackKey, client: HandshakeClient): string {
  if (sealed !== undefined) return client.open(sealed);
  if (key.systemId !== undefined) return key.key;
  throw new RpcError(
    rpcErrorCodes.unauthorised,
    'The region registered this rack without giving it a credential.',
  );
}

/** The TLS trust of a wss:// dial: the system's CAs, the configured ones, and a pinned certificate. */
function tlsOptions(options: RackSessionOptions): {
  ca?: string[];
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
} {
  const extra = [options.ca, options.pinnedCertificate].filter((c) => c !== undefined);
  if (extra.length === 0) return {};
  const pinned = options.pinnedCertificate && new X509Certificate(options.pinnedCertificate).fingerprint256;
  return {
    // Given CAs replace Node's defaults unless they are listed too.
    ca: [...rootCertificates, ...extra.map(String)],
    ...(pinned === undefined
      ? {}
      : {
          checkServerIdentity: (host: string, cert: PeerCertificate) =>
            cert.fingerprint256 === pinned ? undefined : checkServerIdentity(host, cert),
        }),
  };
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the region running and listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the region's TLS certificate is not trusted (${code}): give its CA with FERRUM_RACK_CA_FILE`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "the region's TLS certificate is for another host name";
    case undefined:
    default:
      return error.message;
  }
}
