import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest, encodeSuccess, rpcErrorCodes } from './json-rpc.js';
import { archList, osList, osReleaseTitle, rackRegister, rpcMethods } from './methods.js';
import { MethodTable, rpcMethod } from './rpc-method.js';
import type { RpcError } from './rpc-peer.js';
import { RpcPeer, type RpcHandler } from './rpc-peer.js';

/** Two peers joined by an in-memory connection (messages delivered asynchronously, as a socket would). */
function pair(
  handlers: { region?: RpcHandler; rack?: RpcHandler } = {},
  options: { maxIncoming?: number; maxSent?: number } = {},
) {
  const closes: { by: string; code: number; reason: string }[] = [];
  const peers: { region?: RpcPeer; rack?: RpcPeer } = {};
  const get = (end: 'region' | 'rack') => () => {
    const peer = peers[end];
    if (!peer) throw new Error('peer not made yet');
    return peer;
  };
  const wire = (to: () => RpcPeer, by: string, other: () => RpcPeer) => ({
    send: (text: string) => {
      setImmediate(() => {
        to().receive(text);
      });
    },
    close: (code: number, reason: string) => {
      closes.push({ by, code, reason });
      setImmediate(() => {
        other().closed(reason);
      });
    },
  });
  const none: RpcHandler = () => Promise.reject(new Error('no handler'));
  const region = new RpcPeer({
    transport: wire(get('rack'), 'region', get('rack')),
    methods: rpcMethods,
    end: 'region',
    version: 1,
    handler: handlers.region ?? none,
    ...options,
  });
  const rack = new RpcPeer({
    transport: wire(get('region'), 'rack', get('region')),
    methods: rpcMethods,
    end: 'rack',
    version: 1,
    handler: handlers.rack ?? none,
    ...options,
  });
  peers.region = region;
  peers.rack = rack;
  return { region, rack, closes };
}

/** A peer whose transport is recorded, to feed it raw frames. */
function lone(handler: RpcHandler = () => Promise.resolve({ architectures: [] })) {
  const sent: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  const peer = new RpcPeer({
    transport: {
      send: (t) => sent.push(t),
      close: (code, reason) => closes.push({ code, reason }),
    },
    methods: rpcMethods,
    end: 'rack',
    version: 1,
    handler,
    maxFrameBytes: 1000,
  });
  return { peer, sent, closes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const timers: ReturnType<typeof setTimeout>[] = [];
afterEach(() => {
  for (const t of timers) clearTimeout(t);
});

describe(RpcPeer, () => {
  it('calls across the connection both ways, params and results checked', async () => {
    const { region, rack } = pair({
      region: (method, params) => {
        expect(method).toBe(rackRegister);
        expect(params).toMatchObject({ hostname: 'rack-1' });
        return Promise.resolve({ systemId: 'abc123', credential: 'c'.repeat(40) });
      },
      rack: (method) =>
        Promise.resolve(method === archList ? { architectures: ['amd64/generic'] } : { osystems: [] }),
    });
    await expect(
      rack.call(rackRegister, { hostname: 'rack-1', version: '1', interfaces: [], capabilities: [] }),
    ).resolves.toEqual({ systemId: 'abc123', credential: 'c'.repeat(40) });
    await expect(region.call(archList, {})).resolves.toEqual({ architectures: ['amd64/generic'] });
    expect(region.inFlight()).toEqual({ outgoing: 0, held: 0, incoming: 0 });
  });

  it('answers an application error with its message and code', async () => {
    const { region } = pair({
      rack: () => Promise.reject(Object.assign(new Error('No such release noble2.'), { code: 'not_found' })),
    });
    await expect(region.call(osReleaseTitle, { osystem: 'ubuntu', release: 'noble2' })).rejects.toMatchObject(
      {
        code: rpcErrorCodes.applicationError,
        message: 'No such release noble2.',
        data: { code: 'not_found' },
      },
    );
  });

  it('refuses to send bad params, and a result that breaks the schema fails the call', async () => {
    const { region } = pair({ rack: () => Promise.resolve({ architectures: 'amd64' }) });
    await expect(region.call(osReleaseTitle, { osystem: '', release: 'x' })).rejects.toMatchObject({
      code: rpcErrorCodes.invalidParams,
    });
    await expect(region.call(archList, {})).rejects.toMatchObject({
      code: rpcErrorCodes.internalError,
      message: 'arch.list produced a bad result.',
    });
  });

  it('refuses calls to its own end or beyond the agreed version', async () => {
    const { region } = pair();
    await expect(
      region.call(rackRegister, { hostname: 'r', version: '1', interfaces: [], capabilities: [] }),
    ).rejects.toMatchObject({ code: rpcErrorCodes.methodNotFound });
    const future = rpcMethod({
      name: 'os.future',
      answeredBy: 'rack',
      since: 2,
      doc: 'A method of a later version.',
      params: Type.Object({}),
      result: Type.Object({}),
      errors: [],
    });
    await expect(region.call(future, {})).rejects.toThrow(/needs protocol version 2/);
  });

  it('fails a call at its deadline, and drops its answer if it comes later', async () => {
    let answer: (v: unknown) => void = () => undefined;
    const { region, closes } = pair({
      rack: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    const started = Date.now();
    await expect(region.call(archList, {}, { deadlineMs: 50 })).rejects.toMatchObject({
      code: rpcErrorCodes.deadlineExceeded,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    answer({ architectures: [] });
    await tick();
    await tick();
    expect(closes).toEqual([]);
    expect(region.inFlight().outgoing).toBe(0);
  });

  it('fails every call in flight and aborts every handler when the connection closes', async () => {
    let aborted = false;
    const { region, rack } = pair({
      rack: (_m, _p, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const calls = [region.call(archList, {}), region.call(osList, {})];
    await tick();
    await tick();
    region.closed('rack went away');
    rack.closed('region went away');
    for (const c of calls) await expect(c).rejects.toMatchObject({ code: rpcErrorCodes.connectionClosed });
    expect(aborted).toBe(true);
    await expect(region.call(archList, {})).rejects.toMatchObject({ code: rpcErrorCodes.connectionClosed });
  });

  it('bounds the calls it runs at once, answering the rest overloaded', async () => {
    const { region } = pair({ rack: () => new Promise(() => undefined) }, { maxIncoming: 2 });
    const calls = Array.from({ length: 4 }, () =>
      region.call(archList, {}, { deadlineMs: 300 }).catch((e: unknown) => (e as RpcError).code),
    );
    const codes = await Promise.all(calls);
    expect(codes.filter((c) => c === rpcErrorCodes.overloaded)).toHaveLength(2);
    expect(codes.filter((c) => c === rpcErrorCodes.deadlineExceeded)).toHaveLength(2);
  });

  it("holds calls beyond the other end's limit and sends them as answers come, in order", async () => {
    const running: number[] = [];
    let most = 0;
    const order: string[] = [];
    const { region } = pair(
      {
        rack: async (method) => {
          running.push(1);
          most = Math.max(most, running.length);
          order.push(method.name);
          await new Promise((r) => setTimeout(r, 20));
          running.pop();
          return method.name === 'arch.list' ? { architectures: [] } : { osystems: [] };
        },
      },
      { maxIncoming: 2, maxSent: 2 },
    );
    const calls = [
      region.call(archList, {}),
      region.call(osList, {}),
      region.call(archList, {}),
      region.call(osList, {}),
      region.call(archList, {}),
    ];
    expect(region.inFlight()).toMatchObject({ outgoing: 5, held: 3 });
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(order).toEqual(['arch.list', 'os.list', 'arch.list', 'os.list', 'arch.list']);
    expect(region.inFlight()).toEqual({ outgoing: 0, held: 0, incoming: 0 });
  });

  it('gives up a held call at its deadline without sending it', async () => {
    const sent: string[] = [];
    const peer = new RpcPeer({
      transport: { send: (t) => sent.push(t), close: () => undefined },
      methods: rpcMethods,
      end: 'region',
      version: 1,
      handler: () => Promise.reject(new Error('none')),
      maxSent: 1,
    });
    const first = peer.call(archList, {}, { deadlineMs: 1000 });
    const second = peer.call(archList, {}, { deadlineMs: 10 });
    await expect(second).rejects.toMatchObject({ code: rpcErrorCodes.deadlineExceeded });
    expect(sent).toHaveLength(1);
    peer.receive(encodeSuccess(1, { architectures: ['amd64/generic'] }));
    await expect(first).resolves.toEqual({ architectures: ['amd64/generic'] });
    // The window is free again: the next call goes at once.
    void peer.call(archList, {}, { deadlineMs: 1000 }).catch(() => undefined);
    expect(sent).toHaveLength(2);
    peer.closed();
  });

  it('answers an unknown method or bad params with its error, and goes on', async () => {
    const { peer, sent, closes } = lone();
    peer.receive(encodeRequest(1, 'no.such', {}));
    peer.receive(encodeRequest(2, 'rack.register', {}));
    peer.receive(encodeRequest(3, 'os.releaseTitle', { osystem: 1 }));
    peer.receive('{"jsonrpc":"2.0","id":4,"method":"arch.list","params":[1]}');
    peer.receive(encodeRequest(5, 'arch.list', {}));
    await tick();
    const answers = sent.map(
      (t) => JSON.parse(t) as { id: number; error?: { code: number }; result?: unknown },
    );
    expect(answers.map((a) => [a.id, a.error?.code])).toEqual([
      [1, rpcErrorCodes.methodNotFound],
      [2, rpcErrorCodes.methodNotFound], // answered by the region, not by this rack
      [3, rpcErrorCodes.invalidParams],
      [4, rpcErrorCodes.invalidParams],
      [5, undefined],
    ]);
    expect(closes).toEqual([]);
  });

  it.each([
    ['not JSON', '{{{'],
    ['a batch', '[]'],
    ['an answer to no call', encodeSuccess(99, {})],
    ['a notification', '{"jsonrpc":"2.0","method":"rack.heartbeat"}'],
    ['a frame too big', encodeRequest(1, 'arch.list', { pad: 'x'.repeat(2000) })],
  ])('closes the connection on %s, saying why', (_, frame) => {
    const { peer, closes } = lone();
    peer.receive(frame);
    expect(closes).toHaveLength(1);
    expect(closes[0]?.reason.length).toBeGreaterThan(3);
    peer.receive(encodeRequest(1, 'arch.list', {})); // ignored once closed
  });

  it('survives random frames without throwing', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '{',
      '}',
      '"jsonrpc":"2.0"',
      '"id":1',
      '"method":"arch.list"',
      '"result":{}',
      '"error":{}',
      ',',
      '[',
      ']',
      '"params":{}',
    ];
    for (let n = 0; n < 2000; n++) {
      const { peer } = lone();
      const text = Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
      expect(() => {
        peer.receive(text);
      }).not.toThrow();
    }
  });

  it('declares what the table holds', () => {
    const table = new MethodTable(rpcMethods.all());
    expect(table.all()).toHaveLength(rpcMethods.all().length);
  });
});
