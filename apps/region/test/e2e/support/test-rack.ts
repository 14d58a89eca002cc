import { WebSocket } from 'ws';
import {
  HandshakeClient,
  PROTOCOL_VERSION,
  connectRpc,
  handshakeHello,
  handshakeProve,
  rackRegister,
  rackReportServices,
  rpcMethods,
  type RackKey,
  type RpcHandler,
  type RpcPeer,
} from '@ferrum/protocol';
import { fakeRackCaller } from '../../support/fake-racks.js';
import type { ListeningRegion } from './listening-region.js';

export interface OpenRpc {
  readonly peer: RpcPeer;
  readonly socket: WebSocket;
  /** Settles with why, when the connection has ended. */
  readonly closed: Promise<string>;
}

/** Opens a rack's RPC connection to a listening region (no handshake yet). */
export async function openRpc(listening: ListeningRegion, handler?: RpcHandler): Promise<OpenRpc> {
  const socket = new WebSocket(`ws://${listening.host}:${String(listening.port)}/MAAS/rpc/`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  let done: (reason: string) => void = () => undefined;
  const closed = new Promise<string>((resolve) => (done = resolve));
  const peer = connectRpc(socket, {
    methods: rpcMethods,
    end: 'rack',
    version: PROTOCOL_VERSION,
    handler: handler ?? (() => Promise.reject(new Error('no rack methods in this test'))),
    onClosed: done,
  });
  return { peer, closed, socket };
}

/** Proves `key` to the region; answers the handshake's client (to open a sealed credential). */
export async function handshake(peer: RpcPeer, key: RackKey): Promise<HandshakeClient> {
  const client = new HandshakeClient({ min: 1, max: PROTOCOL_VERSION }, key);
  const answer = await peer.call(handshakeHello, client.helloParams());
  await peer.call(handshakeProve, client.proveParams(answer));
  return client;
}

/**
 * A rack for region tests, over the real RPC: registers with the shared secret and answers as
 * a rack holding the fixture OS images would (the rack app's own tests cover the real registry).
 */
export async function connectTestRack(
  listening: ListeningRegion,
  hostname: string,
): Promise<OpenRpc & { readonly systemId: string }> {
  const fake = fakeRackCaller({ systemIds: [hostname] });
  const rpc = await openRpc(listening, (method, params) =>
    fake.call(hostname, method, params, { deadlineMs: 1000 }),
  );
  await handshake(rpc.peer, { key: await listening.region.services.racks.sharedSecret() });
  const { systemId } = await rpc.peer.call(rackRegister, {
    hostname,
    version: '0.0.0-test',
    interfaces: [],
    capabilities: [],
  });
  await rpc.peer.call(rackReportServices, { services: [] });
  return { ...rpc, systemId };
}
