import { Buffer } from 'node:buffer';
import type { Static, TSchema } from '@sinclair/typebox';
import {
  decodeFrame,
  encodeFailure,
  encodeRequest,
  encodeSuccess,
  rpcErrorCodes,
  type RpcErrorObject,
  type RpcId,
} from './json-rpc.js';
import type { AnsweredBy, CompiledMethod, MethodTable } from './rpc-method.js';
import { errorCodes } from '@ferrum/domain';

/** What the peer needs of a connection (a WebSocket, or an in-memory pair in tests). */
export interface RpcTransport {
  send(text: string): void;
  /** Closes the connection; the peer's own `closed` follows. */
  close(code: number, reason: string): void;
}

/** An error answered by the other end (or made here: deadline, closed connection, overload). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toObject(): RpcErrorObject {
    return {
      code: this.code,
      message: this.message,
      ...(this.data === undefined ? {} : { data: this.data }),
    };
  }
}

/** Answers the methods this end answers: the method's params, checked, in; its result out. */
export type RpcHandler = (method: CompiledMethod, params: unknown, signal: AbortSignal) => Promise<unknown>;

export interface RpcPeerOptions {
  readonly transport: RpcTransport;
  readonly methods: MethodTable;
  /** Which end this is: it answers the methods `answeredBy` it. */
  readonly end: AnsweredBy;
  /** The protocol version agreed in the handshake. */
  readonly version: number;
  readonly handler: RpcHandler;
  /** Largest frame accepted, in bytes; a larger one closes the connection. */
  readonly maxFrameBytes?: number;
  /** Calls this end may have waiting for answers at once (sent or held); more are refused at once. */
  readonly maxOutgoing?: number;
  /**
   * Calls this end has sent and not had answered at once: the other end's `maxIncoming`. Calls
   * beyond it are held here, in order, and sent as answers come (their deadlines run while they
   * wait), so a burst is queued rather than refused `overloaded` by the other end.
   */
  readonly maxSent?: number;
  /** Calls of the other end this end runs at once; more are answered `overloaded`. */
  readonly maxIncoming?: number;
  /** Deadline of a call that does not give one. */
  readonly defaultDeadlineMs?: number;
  /** Told why the connection was closed from this end (a malformed frame, …). */
  readonly onProtocolError?: (reason: string) => void;
}

interface Outgoing {
  readonly method: CompiledMethod;
  resolve(result: unknown): void;
  reject(error: RpcError): void;
  readonly timer: ReturnType<typeof setTimeout>;
  /** The request, until it is sent (held while `maxSent` calls are unanswered). */
  frame: string | undefined;
}

/** Calls one end runs for the other at once, by default (both ends agree without asking). */
export const DEFAULT_MAX_INCOMING = 64;

/** Late answers recognised after their call's deadline. */
const MAX_EXPIRED = 1024;

/** WebSocket close code for a peer that broke the protocol (RFC 6455: 1002 protocol error). */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** WebSocket close code for a frame too large (RFC 6455: 1009 message too big). */
export const CLOSE_TOO_BIG = 1009;

/**
 * One end of an RPC connection, after the handshake: calls the other end's methods (params
 * checked before sending, results checked on arrival, each with a deadline) and answers its
 * calls (params checked, handlers aborted when the connection closes). Bounded both ways; a
 * frame that is not JSON-RPC closes the connection with its reason; an unknown method or bad
 * params is answered with its error, never a crash.
 */
export class RpcPeer {
  private readonly outgoing = new Map<RpcId, Outgoing>();
  /** Ids of calls held until fewer than `maxSent` are unanswered (oldest first). */
  private readonly held = new Set<RpcId>();
  private sent = 0;
  private readonly incoming = new Map<RpcId, AbortController>();
  /** Ids of calls given up at their deadline, whose answers may still come (oldest first). */
  private readonly expired = new Set<RpcId>();
  private nextId = 1;
  private closedWith: RpcError | undefined;
  private readonly maxFrameBytes: number;
  private readonly maxOutgoing: number;
  private readonly maxSent: number;
  private readonly maxIncoming: number;
  private readonly defaultDeadlineMs: number;

  constructor(private readonly options: RpcPeerOptions) {
    this.maxFrameBytes = options.maxFrameBytes ?? 4 * 1024 * 1024;
    this.maxOutgoing = options.maxOutgoing ?? 256;
    this.maxSent = options.maxSent ?? DEFAULT_MAX_INCOMING;
    this.maxIncoming = options.maxIncoming ?? DEFAULT_MAX_INCOMING;
    this.defaultDeadlineMs = options.defaultDeadlineMs ?? 30_000;
  }

  /** Calls `method` of the other end; rejects with an RpcError on its error, the deadline or a close. */
  call<P extends TSchema, R extends TSchema>(
    method: CompiledMethod<P, R>,
    params: Static<P>,
    options: { deadlineMs?: number } = {},
  ): Promise<Static<R>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (method.answeredBy === this.options.end)
      return Promise.reject(
        new RpcError(rpcErrorCodes.methodNotFound, `${method.name} is answered by this end.`),
      );
    if (method.since > this.options.version)
      return Promise.reject(
        new RpcError(
          rpcErrorCodes.methodNotFound,
          `${method.name} needs protocol version ${String(method.since)}; this connection speaks ${String(this.options.version)}.`,
        ),
      );
    const checked = method.checkParams(params);
    if (!checked.ok)
      return Promise.reject(
        new RpcError(rpcErrorCodes.invalidParams, `Bad params for ${method.name}.`, {
          problems: checked.problems,
        }),
      );
    if (this.outgoing.size >= this.maxOutgoing)
      return Promise.reject(
        new RpcError(rpcErrorCodes.overloaded, `Too many calls in flight (${String(this.maxOutgoing)}).`),
      );
    const id = this.nextId++;
    const deadlineMs = options.deadlineMs ?? this.defaultDeadlineMs;
    return new Promise<Static<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const call = this.outgoing.get(id);
        if (!call) return;
        this.outgoing.delete(id);
        if (call.frame === undefined) {
          // Sent: its answer may still come.
          this.expired.add(id);
          if (this.expired.size > MAX_EXPIRED)
            this.expired.delete(this.expired.values().next().value as RpcId);
          this.answered();
        } else this.held.delete(id);
        reject(
          new RpcError(
            rpcErrorCodes.deadlineExceeded,
            `${method.name} was not answered within ${String(deadlineMs)} ms.`,
          ),
        );
      }, deadlineMs);
      const frame = encodeRequest(id, method.name, checked.value as Record<string, unknown>);
      this.outgoing.set(id, { method, resolve: resolve, reject, timer, frame });
      this.held.add(id);
      this.sendHeld();
    });
  }

  /** Sends held calls, oldest first, while fewer than `maxSent` are unanswered. */
  private sendHeld(): void {
    for (const id of this.held) {
      if (this.sent >= this.maxSent) return;
      this.held.delete(id);
      const call = this.outgoing.get(id);
      if (call?.frame === undefined) continue;
      const { frame } = call;
      call.frame = undefined;
      this.sent += 1;
      this.options.transport.send(frame);
    }
  }

  /** A sent call was answered or given up: the next held one may go. */
  private answered(): void {
    this.sent -= 1;
    this.sendHeld();
  }

  /** Hands the peer one received text message. */
  receive(text: string): void {
    if (this.closedWith) return;
    if (Buffer.byteLength(text) > this.maxFrameBytes) {
      this.fail(CLOSE_TOO_BIG, `frame of more than ${String(this.maxFrameBytes)} bytes`);
      return;
    }
    const decoded = decodeFrame(text, this.maxFrameBytes);
    switch (decoded.kind) {
      case 'request':
        this.answer(decoded.frame.id, decoded.frame.method, decoded.frame.params);
        return;
      case 'notification':
        // No notifications are declared yet: a peer sending one does not speak this version.
        this.fail(CLOSE_PROTOCOL_ERROR, `unexpected notification ${decoded.frame.method}`);
        return;
      case 'success':
      case 'failure': {
        const id = decoded.frame.id;
        const call = id === null ? undefined : this.outgoing.get(id);
        if (!call || call.frame !== undefined) {
          // An answer that came after its deadline is dropped; one to no call breaks the protocol.
          if (id !== null && this.expired.delete(id)) return;
          this.fail(CLOSE_PROTOCOL_ERROR, `answer to no call in flight (id ${String(id)})`);
          return;
        }
        this.outgoing.delete(id as RpcId);
        clearTimeout(call.timer);
        this.answered();
        if (decoded.kind === 'failure') {
          const { code, message, data } = decoded.frame.error;
          call.reject(new RpcError(code, message, data));
          return;
        }
        const result = call.method.checkResult(decoded.frame.result);
        if (result.ok) call.resolve(result.value);
        else
          call.reject(
            new RpcError(rpcErrorCodes.internalError, `Bad result from ${call.method.name}.`, {
              problems: result.problems,
            }),
          );
        return;
      }
      case 'invalid':
        // A request with a readable id gets its error; anything else breaks the protocol.
        if (decoded.id !== null && decoded.error.code !== rpcErrorCodes.parseError) {
          this.options.transport.send(encodeFailure(decoded.id, decoded.error));
          return;
        }
        this.fail(CLOSE_PROTOCOL_ERROR, decoded.error.message);
        return;
    }
  }

  /** The connection closed (either end): every call in flight fails, every handler is aborted. */
  closed(reason = 'connection closed'): void {
    if (this.closedWith) return;
    this.closedWith = new RpcError(rpcErrorCodes.connectionClosed, `The RPC connection closed: ${reason}.`);
    for (const call of this.outgoing.values()) {
      clearTimeout(call.timer);
      call.reject(this.closedWith);
    }
    this.outgoing.clear();
    this.held.clear();
    this.sent = 0;
    for (const controller of this.incoming.values()) controller.abort(this.closedWith);
    this.incoming.clear();
  }

  /** Calls waiting for answers (`held` of them not sent yet), and calls of the other end running here. */
  inFlight(): { outgoing: number; held: number; incoming: number } {
    return { outgoing: this.outgoing.size, held: this.held.size, incoming: this.incoming.size };
  }

  private answer(id: RpcId, name: string, params: unknown): void {
    const reply = (error: RpcErrorObject) => {
      this.options.transport.send(encodeFailure(id, error));
    };
    if (this.incoming.has(id)) {
      this.fail(CLOSE_PROTOCOL_ERROR, `call id ${String(id)} reused while in flight`);
      return;
    }
    const method = this.options.methods.find(name, this.options.end, this.options.version);
    if (!method) {
      reply({ code: rpcErrorCodes.methodNotFound, message: `No method ${name} here.` });
      return;
    }
    const checked = method.checkParams(params);
    if (!checked.ok) {
      reply({
        code: rpcErrorCodes.invalidParams,
        message: `Bad params for ${name}.`,
        data: { problems: checked.problems },
      });
      return;
    }
    if (this.incoming.size >= this.maxIncoming) {
      reply({
        code: rpcErrorCodes.overloaded,
        message: `Too many calls running (${String(this.maxIncoming)}).`,
      });
      return;
    }
    const controller = new AbortController();
    this.incoming.set(id, controller);
    this.options
      .handler(method, checked.value, controller.signal)
      .then(
        (result) => {
          if (controller.signal.aborted) return;
          const valid = method.checkResult(result);
          this.options.transport.send(
            valid.ok
              ? encodeSuccess(id, valid.value)
              : encodeFailure(id, {
                  code: rpcErrorCodes.internalError,
                  message: `${name} produced a bad result.`,
                  data: { problems: valid.problems },
                }),
          );
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          reply(failureOf(error, name));
        },
      )
      .finally(() => {
        this.incoming.delete(id);
      });
  }

  private fail(code: number, reason: string): void {
    this.options.onProtocolError?.(reason);
    this.options.transport.close(code, reason.slice(0, 120));
    this.closed(reason);
  }
}

/**
 * The answer to a failed call: an RpcError as it is; one of Ferrum's errors (a code of the
 * domain's closed set) with its message and code; anything else (a database error, a bug) as an
 * internal error that tells the peer nothing of its cause, which the handler's end logs.
 */
function failureOf(error: unknown, method: string): RpcErrorObject {
  if (error instanceof RpcError) return error.toObject();
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (errorCodes as readonly string[]).includes(code))
    return {
      code: rpcErrorCodes.applicationError,
      message: error instanceof Error ? error.message : String(error),
      data: { code },
    };
  return { code: rpcErrorCodes.internalError, message: `${method} failed on the answering end.` };
}
