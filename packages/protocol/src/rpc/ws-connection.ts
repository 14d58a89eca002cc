import { Buffer } from 'node:buffer';
import type { WebSocket } from 'ws';
import { RpcPeer, type RpcPeerOptions } from './rpc-peer.js';

/** How often each end pings the other. */
export const HEARTBEAT_MS = 3_000;
/** A peer silent this long (no pong, no message) is dead. */
export const DEAD_AFTER_MS = 7_000;
/** How often silence is checked: a dead peer is noticed within DEAD_AFTER_MS + this (8 s < 10 s). */
const CHECK_EVERY_MS = 1_000;
/** WebSocket close code for a peer found dead (RFC 6455 leaves 4000–4999 to applications). */
export const CLOSE_DEAD_PEER = 4000;

export interface WsConnectionOptions extends Omit<RpcPeerOptions, 'transport'> {
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  /** Told once when the connection ends, with why. */
  readonly onClosed?: (reason: string) => void;
}

/**
 * An RpcPeer over a WebSocket, with heartbeats: each end pings every `heartbeatMs`, and one
 * that hears nothing from the other (no pong, no message) for `deadAfterMs` terminates the
 * connection (noticed within a second after), which fails every call in flight. Binary frames break the protocol (text only).
 */
export function connectRpc(socket: WebSocket, options: WsConnectionOptions): RpcPeer {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const deadAfterMs = options.deadAfterMs ?? DEAD_AFTER_MS;
  let lastHeard = Date.now();
  let ended = false;
  const peer = new RpcPeer({
    ...options,
    transport: {
      send: (text) => {
        if (socket.readyState === socket.OPEN) socket.send(text);
      },
      close: (code, reason) => {
        socket.close(code, reason);
      },
    },
  });
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    peer.closed(reason);
    options.onClosed?.(reason);
  };
  let lastPing = 0;
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (now - lastHeard > deadAfterMs) {
        end(`no answer from the peer for ${String(deadAfterMs)} ms`);
        socket.terminate();
        return;
      }
      if (now - lastPing >= heartbeatMs && socket.readyState === socket.OPEN) {
        lastPing = now;
        socket.ping();
      }
    },
    Math.min(heartbeatMs, deadAfterMs / 4, CHECK_EVERY_MS),
  );
  timer.unref();
  socket.on('pong', () => {
    lastHeard = Date.now();
  });
  socket.on('ping', () => {
    lastHeard = Date.now();
  });
  socket.on('message', (data, isBinary) => {
    lastHeard = Date.now();
    if (isBinary) {
      options.onProtocolError?.('binary frame');
      end('binary frame');
      socket.close(1003, 'text frames only');
      return;
    }
    const buffers = Array.isArray(data) ? data : [data instanceof ArrayBuffer ? Buffer.from(data) : data];
    peer.receive(Buffer.concat(buffers).toString('utf8'));
  });
  socket.on('close', (code, reason) => {
    end(`closed (${String(code)}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
  });
  socket.on('error', (error) => {
    end(`socket error: ${error.message}`);
  });
  return peer;
}
