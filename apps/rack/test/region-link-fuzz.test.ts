import { SeededRng } from '../../../test/support/seeded-rng.js';
import { createHook } from 'node:async_hooks';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger } from '@ferrum/kit';
import {
  HandshakeServer,
  PROTOCOL_VERSION,
  archList,
  connectRpc,
  decodeFrame,
  encodeFailure,
  encodeNotification,
  encodeRequest,
  encodeSuccess,
  type handshakeHello,
  rpcErrorCodes,
  rpcMethods,
  type CompiledMethod,
  type ParamsOf,
  type RpcPeer,
  type RpcRequest,
} from '@ferrum/protocol';
import { RegionLink } from '../src/region-link.js';
import type { RackSession } from '../src/rack-session.js';

// A real RegionLink against a hostile fake region that answers the rack's handshake and
// registration with garbage, wrong proofs, wrong shapes, stray frames, bad calls, silence and
// sockets cut mid-frame: the rack never counts itself connected, never crashes, keeps dialling,
// and stops without leaving sockets or timers. Then the same link connects to the same server
// once it behaves, so the fuzz cannot pass by the link simply never working.
// Replay a failure with FERRUM_FUZZ_SEED=<the seed in its message>.

const seed = Number(process.env['FERRUM_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 32));
const ATTEMPTS = Number(process.env['FERRUM_FUZZ_ATTEMPTS'] ?? 300);
const MAX_FRAME = 4 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 300;
const SYSTEM_ID = 'fuzzrk';
const CREDENTIAL = randomBytes(32).toString('base64url');

/** The shared seeded PRNG, with this test's text and JSON generators. */
class Rng extends SeededRng {
  text(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++)
      s += this.chance(0.7)
        ? String.fromCharCode(this.int(0x20, 0x7e))
        : this.pick(['{', '}', '"', '\u0000', '\n', 'é', '\u{1f600}']);
    return s;
  }
  json(depth = 2): unknown {
    switch (this.int(0, depth > 0 ? 6 : 3)) {
      case 0:
        return null;
      case 1:
        return this.pick([0, -1, 1.5, 2 ** 60, 1e308, true, false]);
      case 2:
        return this.text(this.int(0, 12));
      case 3:
        return '';
      case 4:
      case 5:
        return Object.fromEntries(
          Array.from({ length: this.int(0, 3) }, () => [this.text(this.int(1, 6)), this.json(depth - 1)]),
        );
      default:
        return Array.from({ length: this.int(0, 3) }, () => this.json(depth - 1));
    }
  }
}

const challenge = () => randomBytes(32).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A forced full GC: vitest's forks do not run node with --expose-gc, but V8 can still give a new context its gc(). */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** A server-to-rack WebSocket frame written by hand (unmasked unless told), with a declared length of choice. */
function wsFrame(
  opcode: number,
  payload: Buffer,
  options: { rsv?: number; masked?: boolean; length?: number } = {},
): Buffer {
  const length = options.length ?? payload.length;
  const header = length > 0xffff ? Buffer.alloc(10) : length > 125 ? Buffer.alloc(4) : Buffer.alloc(2);
  header[0] = 0x80 | ((options.rsv ?? 0) << 4) | opcode;
  if (length > 0xffff) {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  } else if (length > 125) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else header[1] = length;
  if (!options.masked) return Buffer.concat([header, payload]);
  header.writeUInt8(header.readUInt8(1) | 0x80, 1);
  return Buffer.concat([header, randomBytes(4), payload]);
}

const regionMethodNames = rpcMethods
  .all()
  .filter((m) => m.answeredBy === 'region')
  .map((m) => m.name);

/** What a hostile connection does to one of the rack's calls. */
type Misdeed =
  | 'garbage'
  | 'wrong shape'
  | 'wrong proof'
  | 'wrong version'
  | 'error'
  | 'malformed error'
  | 'wrong id'
  | 'null-id error'
  | 'binary answer'
  | 'notification'
  | 'silence'
  | 'late answer'
  | 'close'
  | 'terminate'
  | 'cut mid-frame'
  | 'half a frame'
  | 'oversize frame'
  | 'invalid UTF-8'
  | 'masked frame'
  | 'reserved bits';

const misdeeds: readonly (readonly [number, Misdeed])[] = [
  [4, 'garbage'],
  [6, 'wrong shape'],
  [5, 'wrong proof'],
  [2, 'wrong version'],
  [4, 'error'],
  [1, 'malformed error'],
  [2, 'wrong id'],
  [2, 'null-id error'],
  [2, 'binary answer'],
  [2, 'notification'],
  [1, 'silence'],
  [1, 'late answer'],
  [3, 'close'],
  [3, 'terminate'],
  [3, 'cut mid-frame'],
  [1, 'half a frame'],
  [1, 'oversize frame'],
  [2, 'invalid UTF-8'],
  [2, 'masked frame'],
  [2, 'reserved bits'],
];

/**
 * Results of each call the rack must refuse (a right one would let it in): shapes the schema
 * refuses, and for rack.register credentials not sealed under the connection's key.
 */
const wrongShapes: Record<string, readonly unknown[]> = {
  'handshake.hello': [
    {},
    null,
    [],
    'hello',
    { version: '1', challenge: challenge(), proof: challenge() },
    { version: 1, challenge: 'short', proof: challenge() },
    { version: 1, challenge: challenge(), proof: challenge(), extra: true },
    { version: 0, challenge: challenge(), proof: challenge() },
  ],
  'handshake.prove': [{ ok: true }, null, [], 1, 'proved'],
  'rack.register': [
    {},
    null,
    { systemId: 5, credential: 'c'.repeat(40) },
    { systemId: SYSTEM_ID, credential: 'short' },
    { systemId: SYSTEM_ID, credential: 'c'.repeat(40), extra: 1 },
    { credential: CREDENTIAL },
    // Well formed, but not sealed under this connection's key: the rack must not take it.
    { systemId: SYSTEM_ID, credential: CREDENTIAL },
    { systemId: SYSTEM_ID, credential: randomBytes(48).toString('base64url') },
  ],
};

interface HostileStats {
  attempts: number;
  upgraded: number;
  /** Calls of rack methods with bad params or unknown names, and how many the rack answered right. */
  badCalls: number;
  badCallsAnswered: number;
  readonly misdeeds: Map<string, number>;
  /** What the rack did wrong, as the server saw it. */
  readonly problems: string[];
}

/**
 * A fake region on 127.0.0.1: hostile (a random misdeed per connection, seeded by its index)
 * until `honest` is set, then a real handshake with `CREDENTIAL` and a correct registration.
 */
class FakeRegion {
  honest = false;
  /** Every call of the rack's hangs (no answer, no close): to stop a link mid-handshake. */
  hang = false;
  /** Every upgrade is cut at once, so nothing is in flight (to measure the heap). */
  quiet = false;
  readonly stats: HostileStats = {
    attempts: 0,
    upgraded: 0,
    badCalls: 0,
    badCallsAnswered: 0,
    misdeeds: new Map(),
    problems: [],
  };
  readonly honestPeers: RpcPeer[] = [];
  registered = 0;
  reported = 0;
  /** Calls seen per method, any mode. */
  readonly calls = new Map<string, number>();
  private readonly sockets = new Set<Duplex>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  /** One that never answers pings: the rack must find it dead. */
  private readonly deaf = new WebSocketServer({ noServer: true, autoPong: false });

  private constructor(private readonly server: Server) {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      this.upgrade(request, socket, head);
    });
  }

  static async start(): Promise<FakeRegion> {
    const server = createServer((_request, response) => {
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeRegion(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${String((this.server.address() as AddressInfo).port)}/MAAS/rpc/`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    for (const ws of [...this.wss.clients, ...this.deaf.clients]) ws.terminate();
    this.wss.close();
    this.deaf.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private count(what: string): void {
    this.stats.misdeeds.set(what, (this.stats.misdeeds.get(what) ?? 0) + 1);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.quiet) {
      socket.destroy();
      return;
    }
    const index = this.stats.attempts++;
    if (this.honest) {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.serveHonestly(ws);
      });
      return;
    }
    const rng = new Rng(seed ^ Math.imul(index + 1, 0x9e3779b1));
    const key = request.headers['sec-websocket-key'] ?? '';
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const switching = (headers: string) =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n`;
    // Answers other than 101 too (a proxy's 502, a web server's 404), which once crashed the rack.
    const upgradeMisdeed = this.hang
      ? 'accept'
      : rng.weighted<string>([
          [1, 'garbage instead of HTTP'],
          [1, 'wrong accept key'],
          [1, 'unasked subprotocol'],
          [1, 'unasked extension'],
          [1, 'cut the upgrade'],
          [1, 'not the RPC'],
          [0.3, 'hang the upgrade'],
          [16, 'accept'],
        ]);
    this.count(`upgrade: ${upgradeMisdeed}`);
    switch (upgradeMisdeed) {
      case 'garbage instead of HTTP':
        socket.end(rng.bytes(rng.int(1, 300)));
        return;
      case 'wrong accept key':
        socket.end(switching(`Sec-WebSocket-Accept: ${randomBytes(20).toString('base64')}\r\n`));
        return;
      case 'unasked subprotocol':
        socket.end(switching(`Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: maas\r\n`));
        return;
      case 'unasked extension':
        socket.end(
          switching(`Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n`),
        );
        return;
      case 'cut the upgrade':
        socket.destroy();
        return;
      case 'not the RPC':
        socket.end(
          rng.chance(0.5)
            ? 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\nConnection: close\r\n\r\nbad gateway'
            : 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        );
        return;
      case 'hang the upgrade':
        return;
      default: {
        const server = rng.chance(0.15) ? this.deaf : this.wss;
        server.handleUpgrade(request, socket, head, (ws) => {
          this.stats.upgraded++;
          if (socket instanceof Socket) this.serveHostile(ws, socket, rng);
        });
      }
    }
  }

  private serveHostile(ws: WebSocket, socket: Socket, rng: Rng): void {
    ws.on('error', () => undefined);
    const expected = new Map<string, number>();
    const handshake = new HandshakeServer({ min: 1, max: PROTOCOL_VERSION }, (systemId) =>
      Promise.resolve(systemId === SYSTEM_ID ? { key: CREDENTIAL, systemId } : undefined),
    );
    // Knowing the credential lets the fuzz reach rack.register; otherwise hello is where it misbehaves.
    const knows = rng.chance(0.35);
    const proveHonestly = knows && rng.chance(0.7);
    const send = (data: string | Buffer, binary = false) => {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary });
    };
    const noise = () => {
      const id = `n${String(rng.int(0, 1e6))}`;
      const kind = rng.pick([
        'random text',
        'binary',
        'notification',
        'stray answer',
        'bad params',
        'unknown method',
        'region method',
      ] as const);
      this.count(`noise: ${kind}`);
      switch (kind) {
        case 'random text':
          send(`\u0001${rng.text(rng.int(0, 200))}`);
          return;
        case 'binary':
          send(rng.bytes(rng.int(0, 100)), true);
          return;
        case 'notification':
          send(encodeNotification(rng.pick(['rack.update', 'os.list', 'fuzz.note']), { x: rng.json() }));
          return;
        case 'stray answer':
          send(encodeSuccess(rng.int(1000, 9999), rng.json()));
          return;
        case 'bad params': {
          // Every rack method refuses an undeclared field.
          const method = rng.pick(rpcMethods.all().filter((m) => m.answeredBy === 'rack'));
          expected.set(id, rpcErrorCodes.invalidParams);
          this.stats.badCalls++;
          send(encodeRequest(id, method.name, { osystem: 5, [`zz${String(rng.int(0, 99))}`]: rng.json() }));
          return;
        }
        case 'unknown method':
        case 'region method':
          expected.set(id, rpcErrorCodes.methodNotFound);
          this.stats.badCalls++;
          send(
            encodeRequest(id, kind === 'unknown method' ? 'fuzz.nothing' : rng.pick(regionMethodNames), {}),
          );
          return;
      }
    };
    const misbehave = (call: RpcRequest) => {
      const misdeed = this.hang ? 'silence' : rng.weighted(misdeeds);
      this.count(`${call.method}: ${misdeed}`);
      const id = call.id;
      switch (misdeed) {
        case 'garbage':
          send(
            rng.chance(0.5)
              ? rng.text(rng.int(1, 100))
              : `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`,
          );
          return;
        case 'wrong shape':
          send(encodeSuccess(id, rng.pick(wrongShapes[call.method] ?? [{ unexpected: true }])));
          return;
        case 'wrong proof':
          send(encodeSuccess(id, { version: PROTOCOL_VERSION, challenge: challenge(), proof: challenge() }));
          return;
        case 'wrong version':
          send(
            encodeSuccess(id, {
              version: PROTOCOL_VERSION + rng.int(1, 99),
              challenge: challenge(),
              proof: challenge(),
            }),
          );
          return;
        case 'error':
          send(
            encodeFailure(id, {
              code: rng.pick([
                rpcErrorCodes.unauthorised,
                rpcErrorCodes.methodNotFound,
                rpcErrorCodes.internalError,
                rpcErrorCodes.applicationError,
                rng.int(-40000, 40000),
              ]),
              message: rng.text(rng.int(0, 40)),
              data: rng.json(),
            }),
          );
          return;
        case 'malformed error':
          send(
            JSON.stringify({
              jsonrpc: '2.0',
              id,
              error: rng.pick(['boom', { code: 'x', message: 1 }, null, []]),
            }),
          );
          return;
        case 'wrong id':
          send(encodeSuccess(typeof id === 'number' ? id + 1000 : `${id}x`, {}));
          return;
        case 'null-id error':
          send(encodeFailure(null, { code: rpcErrorCodes.parseError, message: 'no' }));
          return;
        case 'binary answer':
          send(Buffer.from(encodeSuccess(id, {})), true);
          return;
        case 'notification':
          send(encodeNotification(call.method, {}));
          return;
        case 'silence':
          return;
        case 'late answer':
          setTimeout(() => {
            send(
              encodeSuccess(id, { version: PROTOCOL_VERSION, challenge: challenge(), proof: challenge() }),
            );
          }, CONNECT_TIMEOUT_MS + 20).unref();
          return;
        case 'close':
          ws.close(
            rng.pick([1000, 1001, 1008, 1011, 4000, 4001, 4999]),
            rng.text(rng.int(0, 20)).slice(0, 20),
          );
          return;
        case 'terminate':
          ws.terminate();
          return;
        case 'cut mid-frame':
          socket.write(
            wsFrame(1, Buffer.from(encodeSuccess(id, {})).subarray(0, 5), { length: rng.int(200, 70_000) }),
          );
          socket.destroy();
          return;
        case 'half a frame':
          socket.write(wsFrame(1, Buffer.from('{"jsonrpc"'), { length: rng.int(200, 70_000) }));
          return;
        case 'oversize frame':
          send('x'.repeat(MAX_FRAME + rng.int(1, 64)));
          return;
        case 'invalid UTF-8':
          socket.write(wsFrame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
          return;
        case 'masked frame':
          socket.write(wsFrame(1, Buffer.from(encodeSuccess(id, {})), { masked: true }));
          return;
        case 'reserved bits':
          socket.write(wsFrame(1, Buffer.from(encodeSuccess(id, {})), { rsv: rng.int(1, 7) }));
          return;
      }
    };
    ws.on('message', (data, isBinary) => {
      const text = (data as Buffer).toString('utf8');
      const decoded = decodeFrame(text, Infinity);
      if (isBinary) this.stats.problems.push(`seed ${String(seed)}: the rack sent a binary frame`);
      if (decoded.kind === 'failure' || decoded.kind === 'success') {
        // Answers to the noise's bad calls must be their errors; the rack also answers our
        // malformed error objects with one (it reads them as bad requests), which is fine.
        const key = String(decoded.frame.id);
        const code = expected.get(key);
        if (code === undefined) return;
        expected.delete(key);
        if (decoded.kind === 'failure' && decoded.frame.error.code === code) this.stats.badCallsAnswered++;
        else
          this.stats.problems.push(
            `seed ${String(seed)}: the rack answered ${text.slice(0, 200)}, expected error ${String(code)}`,
          );
        return;
      }
      if (decoded.kind !== 'request') {
        this.stats.problems.push(`seed ${String(seed)}: the rack sent ${text.slice(0, 200)}`);
        return;
      }
      const call = decoded.frame;
      this.calls.set(call.method, (this.calls.get(call.method) ?? 0) + 1);
      if (rng.chance(0.25)) for (let n = rng.int(1, 3); n > 0; n--) noise();
      const method = rpcMethods.find(call.method, 'region', PROTOCOL_VERSION);
      const checked = method?.checkParams(call.params);
      if (!checked?.ok) {
        this.stats.problems.push(`seed ${String(seed)}: the rack called ${text.slice(0, 200)}`);
        return;
      }
      if (call.method === 'handshake.hello' && knows && !this.hang) {
        handshake.hello(checked.value as ParamsOf<typeof handshakeHello>).then(
          (result) => {
            send(encodeSuccess(call.id, result));
          },
          (error: unknown) =>
            this.stats.problems.push(`seed ${String(seed)}: hello refused: ${String(error)}`),
        );
        return;
      }
      if (call.method === 'handshake.prove' && proveHonestly && !this.hang) {
        try {
          send(encodeSuccess(call.id, handshake.prove(checked.value as { proof: string })));
        } catch (error) {
          this.stats.problems.push(`seed ${String(seed)}: the rack's proof is refused: ${String(error)}`);
        }
        return;
      }
      misbehave(call);
    });
    if (rng.chance(0.2)) noise();
  }

  private serveHonestly(ws: WebSocket): void {
    const handshake = new HandshakeServer({ min: 1, max: PROTOCOL_VERSION }, (systemId) =>
      Promise.resolve(systemId === SYSTEM_ID ? { key: CREDENTIAL, systemId } : undefined),
    );
    const peer = connectRpc(ws, {
      methods: rpcMethods,
      end: 'region',
      version: PROTOCOL_VERSION,
      handler: (method: CompiledMethod, params: unknown) => {
        this.calls.set(method.name, (this.calls.get(method.name) ?? 0) + 1);
        switch (method.name) {
          case 'handshake.hello':
            return handshake.hello(params as ParamsOf<typeof handshakeHello>);
          case 'handshake.prove':
            return Promise.resolve(handshake.prove(params as { proof: string }));
          case 'rack.register':
            if (!handshake.authenticated) return Promise.reject(new Error('not authenticated'));
            this.registered++;
            // The rack proved its own credential: it keeps it, and no new one is sent.
            return Promise.resolve({ systemId: SYSTEM_ID });
          case 'rack.reportServices':
            this.reported++;
            return Promise.resolve({});
          default:
            return Promise.reject(new Error(`unexpected ${method.name}`));
        }
      },
    });
    this.honestPeers.push(peer);
  }
}

/**
 * Counts of the handles keeping the event loop alive (sockets, servers, connects), by type.
 * Timers are left to the hook below, which also sees unref'd ones and knows who made them.
 */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo())
    if (type !== 'Timeout' && type !== 'Immediate') counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** A refused port: a server opened and closed at once. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `ws://127.0.0.1:${String(port)}/MAAS/rpc/`;
}

const registration = {
  hostname: 'rack-fuzz',
  version: '0.0.0-fuzz',
  interfaces: [{ name: 'eth0', mac: '52:54:00:00:00:01', addresses: ['10.0.0.9/24'] }],
  capabilities: ['dhcp'],
};

describe(RegionLink, () => {
  const logger = createLogger({ level: 'silent', pretty: false });
  const gc = exposeGc();
  /** The heap after forced GC, once the connection in flight (a 4 MiB frame, a late answer) is over. */
  const heapAfterGc = async (quieten?: FakeRegion) => {
    if (quieten) {
      quieten.quiet = true;
      await sleep(CONNECT_TIMEOUT_MS * 2);
    }
    gc();
    gc();
    if (quieten) quieten.quiet = false;
    return process.memoryUsage().heapUsed;
  };
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  /** Timers made by the rack's link, the protocol and ws, still alive (unref'd ones included). */
  const rackTimers = new Map<number, string>();
  let peakRackTimers = 0;
  const timerHook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (/apps\/rack\/src\/|packages\/protocol\/src\/|node_modules\/ws\//.test(stack)) {
        rackTimers.set(asyncId, stack);
        peakRackTimers = Math.max(peakRackTimers, rackTimers.size);
      }
    },
    destroy(asyncId) {
      rackTimers.delete(asyncId);
    },
  });
  /** Calls of the rack's own methods that reached its handler. */
  const handled: string[] = [];
  const sessions: RackSession[] = [];
  const disconnects: string[] = [];
  let region: FakeRegion;
  let refusedUrl: string;
  let baseline: Record<string, number>;
  let link: RegionLink;
  const newLink = (urls: string[], timings: { connectTimeoutMs?: number; deadAfterMs?: number } = {}) =>
    new RegionLink({
      urls,
      systemId: SYSTEM_ID,
      credential: CREDENTIAL,
      registration: () => registration,
      handler: (method) => {
        handled.push(method.name);
        return Promise.resolve(method.name === 'arch.list' ? { architectures: ['amd64/generic'] } : {});
      },
      services: () => [{ name: 'dhcp', status: 'running', info: 'fuzzing' }],
      logger,
      backoff: { delayMs: () => 5 },
      longWaitMs: 5,
      connectTimeoutMs: timings.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      // Short enough that a deaf server (no pongs) is found dead before a call's deadline.
      heartbeatMs: 50,
      deadAfterMs: timings.deadAfterMs ?? 200,
      onConnected: (session) => sessions.push(session),
      onDisconnected: (reason) => disconnects.push(reason),
    });

  beforeAll(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    await heapAfterGc();
    baseline = handles();
    timerHook.enable();
    region = await FakeRegion.start();
    refusedUrl = await closedPortUrl();
  });
  afterAll(async () => {
    timerHook.disable();
    await link.stop();
    await region.close();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });

  const until = async (condition: () => boolean, what: string, ms: number) => {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`seed ${String(seed)}: no ${what} within ${String(ms)} ms`);
      await sleep(10);
    }
  };

  it('never counts itself connected to a hostile region, never crashes, and keeps dialling', async () => {
    link = newLink([region.url, refusedUrl]);
    link.start();
    const connected = link.connected(60_000).then(
      () => 'connected',
      () => 'gave up',
    );
    await until(() => region.stats.attempts >= ATTEMPTS / 5, 'warm-up attempts', 30_000);
    const heapWarm = await heapAfterGc(region);
    await until(() => region.stats.attempts >= ATTEMPTS, `${String(ATTEMPTS)} attempts`, 60_000);
    const heapAfter = await heapAfterGc(region);
    const { stats } = region;
    const summary = `seed ${String(seed)}: ${JSON.stringify(Object.fromEntries(stats.misdeeds))}`;
    expect(sessions, summary).toEqual([]);
    expect(link.session).toBeUndefined();
    expect(await Promise.race([connected, sleep(0).then(() => 'waiting')])).toBe('waiting');
    expect(crashes, summary).toEqual([]);
    expect(stats.problems, summary).toEqual([]);
    // The fuzz got past the upgrade, into hello, prove and register.
    expect(stats.upgraded, summary).toBeGreaterThan(ATTEMPTS / 2);
    for (const method of ['handshake.hello', 'handshake.prove', 'rack.register'])
      expect(region.calls.get(method) ?? 0, `${summary}: ${method} calls`).toBeGreaterThan(0);
    // Bad calls are answered with their errors and never reach the handler.
    expect(stats.badCallsAnswered, summary).toBeGreaterThan(0);
    expect(handled, summary).toEqual([]);
    // Flat after forced GC: 4/5 of the attempts made no lasting garbage beyond noise (~1 MiB).
    expect(heapAfter - heapWarm, `${summary}: heap ${String(heapWarm)} → ${String(heapAfter)}`).toBeLessThan(
      4 * 1024 * 1024,
    );
  }, 90_000);

  it('connects, registers and reports its services once the same region behaves', async () => {
    region.honest = true;
    const session = await link.connected(10_000);
    expect(session.systemId).toBe(SYSTEM_ID);
    expect(session.credential).toBe(CREDENTIAL);
    expect(sessions[0]).toBe(session);
    await until(() => region.reported > 0, 'services report', 5_000);
    // Once per session (a stall of this process past deadAfterMs could make it reconnect).
    expect(region.registered).toBe(sessions.length);
    // The region's calls reach the rack's handler now.
    const peer = region.honestPeers.at(-1)!;
    await expect(peer.call(archList, {})).resolves.toEqual({ architectures: ['amd64/generic'] });
    expect(handled).toEqual(['arch.list']);
    const started = performance.now();
    await link.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(disconnects).toHaveLength(sessions.length);
    expect(crashes).toEqual([]);
  });

  it('stops promptly while the region hangs mid-handshake', async () => {
    region.honest = false;
    region.hang = true;
    const hello = region.calls.get('handshake.hello') ?? 0;
    // Neither a deadline nor the heartbeats would end this attempt soon: only stop() can.
    link = newLink([region.url], { connectTimeoutMs: 10_000, deadAfterMs: 10_000 });
    link.start();
    await until(() => (region.calls.get('handshake.hello') ?? 0) > hello, 'hello', 5_000);
    const started = performance.now();
    await link.stop();
    expect(performance.now() - started).toBeLessThan(300);
    expect(sessions.length).toBe(disconnects.length);
    expect(crashes).toEqual([]);
  });

  it('leaves no sockets or timers behind', async () => {
    await region.close();
    await until(
      () => JSON.stringify(handles()) === JSON.stringify(baseline) && rackTimers.size === 0,
      'return to the baseline of handles and timers',
      5_000,
    ).catch(() => undefined);
    expect(handles()).toEqual(baseline);
    expect([...rackTimers.values()].map((stack) => stack.split('\n').slice(4, 9).join(' ← '))).toEqual([]);
    expect(peakRackTimers, 'the timer hook sees the rack timers').toBeGreaterThan(0);
  });
});
