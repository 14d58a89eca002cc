// A Wake-on-LAN "network card" for tests: a UDP socket on 127.0.0.1 (a free port) that keeps
// every datagram it receives, so a test can check the magic packet byte for byte.
import type { Buffer } from 'node:buffer';
import { createSocket, type RemoteInfo } from 'node:dgram';

export interface WolDatagram {
  readonly data: Buffer;
  readonly from: RemoteInfo;
}

export interface WolListener {
  readonly host: string;
  readonly port: number;
  /**
   * The datagrams received since the last call, waiting up to `ms` for the first one (an
   * empty list when none came). Each datagram is answered once.
   */
  take(ms?: number): Promise<WolDatagram[]>;
  close(): Promise<void>;
}

/** Starts the listener on 127.0.0.1. */
export async function startWolListener(): Promise<WolListener> {
  const socket = createSocket('udp4');
  const pending: WolDatagram[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data, from) => {
    pending.push({ data, from });
    wake?.();
  });
  const host = '127.0.0.1';
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const { port } = socket.address();
  return {
    host,
    port,
    take: async (ms = 1000) => {
      if (pending.length === 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      wake = undefined;
      return pending.splice(0);
    },
    close: () => new Promise<void>((resolve) => socket.close(resolve)),
  };
}
