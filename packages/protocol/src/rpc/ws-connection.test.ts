import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { rpcErrorCodes } from './json-rpc.js';
import { archList, rpcMethods } from './methods.js';
import type { RpcPeer } from './rpc-peer.js';
import { connectRpc } from './ws-connection.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Ends {
  region: RpcPeer;
  rack: RpcPeer;
  rackSocket: WebSocket;
  regionSocket: WebSocket;
  regionClosed: Promise<string>;
  rackClosed: Promise<string>;
}

/** A real WebSocket server and client on loopback, an RpcPeer on each end. */
async function connected(timing = { heartbeatMs: 50, deadAfterMs: 400 }, rackTiming = timing): Promise<Ends> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => {
          resolve();
        });
      }),
  );
  await new Promise<void>((resolve) =>
    server.once('listening', () => {
      resolve();
    }),
  );
  const port = (server.address() as AddressInfo).port;
  let regionClosedResolve: (r: string) => void = () => undefined;
  const regionClosed = new Promise<string>((r) => (regionClosedResolve = r));
  const accepted = new Promise<{ peer: RpcPeer; socket: WebSocket }>((resolve) => {
    server.once('connection', (socket) => {
      const peer = connectRpc(socket, {
        ...timing,
        methods: rpcMethods,
        end: 'region',
        version: 1,
        handler: () => Promise.reject(new Error('nothing here')),
        onClosed: regionClosedResolve,
      });
      resolve({ peer, socket });
    });
  });
  const rackSocket = new WebSocket(`ws://127.0.0.1:${String(port)}/MAAS/rpc/`);
  cleanups.push(() => {
    rackSocket.terminate();
  });
  await new Promise<void>((resolve, reject) => {
    rackSocket.once('open', () => {
      resolve();
    });
    rackSocket.once('error', reject);
  });
  let rackClosedResolve: (r: string) => void = () => undefined;
  const rackClosed = new Promise<string>((r) => (rackClosedResolve = r));
  const rack = connectRpc(rackSocket, {
    ...rackTiming,
    methods: rpcMethods,
    end: 'rack',
    version: 1,
    handler: (method) => Promise.resolve(method === archList ? { architectures: ['amd64/generic'] } : {}),
    onClosed: rackClosedResolve,
  });
  const { peer: region, socket: regionSocket } = await accepted;
  return { region, rack, rackSocket, regionSocket, regionClosed, rackClosed };
}

describe(connectRpc, () => {
  it('carries calls over a real WebSocket', async () => {
    const { region } = await connected();
    await expect(region.call(archList, {})).resolves.toEqual({ architectures: ['amd64/generic'] });
  });

  it('notices a peer that stops answering within its deadline, and fails its calls', async () => {
    // A hung rack: it neither pings nor reads (so it answers neither calls nor pings).
    const { region, rackSocket, regionClosed } = await connected(undefined, {
      heartbeatMs: 60_000,
      deadAfterMs: 60_000,
    });
    rackSocket.pause();
    const call = region.call(archList, {}, { deadlineMs: 10_000 });
    const started = Date.now();
    await expect(call).rejects.toMatchObject({ code: rpcErrorCodes.connectionClosed });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await regionClosed).toMatch(/no answer from the peer/);
  });

  it('closes on a malformed frame or a binary one, saying why', async () => {
    const malformed = await connected();
    malformed.rackSocket.send('{"jsonrpc":"2.0","id":1,');
    expect(await malformed.regionClosed).toMatch(/1002: Frame is not JSON/);
    const binary = await connected();
    binary.rackSocket.send(Buffer.from([1, 2, 3]));
    expect(await binary.regionClosed).toBe('binary frame');
  });

  it('fails the calls in flight when the other end closes', async () => {
    const { region, rack, regionSocket, rackClosed } = await connected();
    const call = rack.call(
      (await import('./methods.js')).rackReportServices,
      { services: [] },
      { deadlineMs: 5_000 },
    );
    regionSocket.close(1001, 'region stopping');
    await expect(call).rejects.toMatchObject({ code: rpcErrorCodes.connectionClosed });
    expect(await rackClosed).toMatch(/1001: region stopping/);
    expect(region.inFlight().incoming).toBe(0);
  });
});
