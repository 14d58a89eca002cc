/**
 * JSON-RPC 2.0 frames of the region⇄rack connection (https://www.jsonrpc.org/specification):
 * one JSON object per WebSocket text message, requests and notifications in both directions.
 * Batches are not used and are refused. Decoding never throws: a bad frame decodes to the
 * error to answer (or to close the connection with).
 */

/** A request id: a string or an integer (JSON-RPC allows numbers; fractions are refused here). */
export type RpcId = string | number;

export interface RpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: RpcId;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface RpcSuccess {
  readonly jsonrpc: '2.0';
  readonly id: RpcId;
  readonly result: unknown;
}

export interface RpcFailure {
  readonly jsonrpc: '2.0';
  /** null when the request's id could not be read. */
  readonly id: RpcId | null;
  readonly error: RpcErrorObject;
}

/** JSON-RPC's own error codes, and Ferrum's in the range the spec leaves to servers. */
export const rpcErrorCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** The call's deadline passed before it was answered. */
  deadlineExceeded: -32001,
  /** The peer has not completed the handshake, or its credential is not valid. */
  unauthorised: -32002,
  /** Too many calls in flight on this connection. */
  overloaded: -32003,
  /** The connection closed before the call was answered. */
  connectionClosed: -32004,
  /** The method ran and failed: `data` carries Ferrum's error code and details. */
  applicationError: -32010,
} as const;

export type RpcErrorCode = (typeof rpcErrorCodes)[keyof typeof rpcErrorCodes];

/** What one received message is. */
export type DecodedFrame =
  | { readonly kind: 'request'; readonly frame: RpcRequest }
  | { readonly kind: 'notification'; readonly frame: RpcNotification }
  | { readonly kind: 'success'; readonly frame: RpcSuccess }
  | { readonly kind: 'failure'; readonly frame: RpcFailure }
  /** Not a frame we accept: answer `error` to `id` (when there is one), or close with it. */
  | { readonly kind: 'invalid'; readonly id: RpcId | null; readonly error: RpcErrorObject };

/** Method names: dotted lower-camel words (`rack.register`, `os.list`). */
const methodPattern = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;
const MAX_METHOD_LENGTH = 100;
const MAX_ID_LENGTH = 100;

function invalid(id: RpcId | null, code: number, message: string): DecodedFrame {
  return { kind: 'invalid', id, error: { code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readId(value: unknown): RpcId | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return undefined;
}

/**
 * Decodes one message of at most `maxBytes` UTF-8 bytes (the caller measures the raw message;
 * `text.length` bounds it here too).
 */
export function decodeFrame(text: string, maxBytes: number): DecodedFrame {
  if (text.length > maxBytes)
    return invalid(null, rpcErrorCodes.invalidRequest, `Frame is longer than ${String(maxBytes)} bytes.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(null, rpcErrorCodes.parseError, 'Frame is not JSON.');
  }
  if (Array.isArray(value)) return invalid(null, rpcErrorCodes.invalidRequest, 'Batches are not accepted.');
  if (!isRecord(value)) return invalid(null, rpcErrorCodes.invalidRequest, 'Frame is not a JSON object.');
  const rawId = value['id'];
  const id = readId(rawId);
  if (value['jsonrpc'] !== '2.0')
    return invalid(id ?? null, rpcErrorCodes.invalidRequest, 'jsonrpc must be "2.0".');
  if ('method' in value) {
    const method = value['method'];
    if (typeof method !== 'string' || method.length > MAX_METHOD_LENGTH || !methodPattern.test(method))
      return invalid(
        id ?? null,
        rpcErrorCodes.invalidRequest,
        'method must be a dotted name such as "os.list".',
      );
    const params = value['params'] ?? {};
    if (!isRecord(params))
      return invalid(id ?? null, rpcErrorCodes.invalidParams, 'params must be an object.');
    if (!('id' in value)) return { kind: 'notification', frame: { jsonrpc: '2.0', method, params } };
    if (id === undefined)
      return invalid(null, rpcErrorCodes.invalidRequest, 'id must be a non-empty string or a safe integer.');
    return { kind: 'request', frame: { jsonrpc: '2.0', id, method, params } };
  }
  if (id === undefined && rawId !== null)
    return invalid(null, rpcErrorCodes.invalidRequest, 'A response needs the id of its request.');
  if ('result' in value && !('error' in value)) {
    if (id === undefined)
      return invalid(null, rpcErrorCodes.invalidRequest, 'A result needs the id of its request.');
    return { kind: 'success', frame: { jsonrpc: '2.0', id, result: value['result'] } };
  }
  if ('error' in value && !('result' in value)) {
    const error = value['error'];
    if (!isRecord(error) || !Number.isSafeInteger(error['code']) || typeof error['message'] !== 'string')
      return invalid(
        id ?? null,
        rpcErrorCodes.invalidRequest,
        'error must be {code: integer, message: string}.',
      );
    return {
      kind: 'failure',
      frame: {
        jsonrpc: '2.0',
        id: id ?? null,
        error: {
          code: error['code'] as number,
          message: error['message'],
          ...('data' in error ? { data: error['data'] } : {}),
        },
      },
    };
  }
  return invalid(id ?? null, rpcErrorCodes.invalidRequest, 'Frame is neither a call nor a response.');
}

export function encodeRequest(id: RpcId, method: string, params: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params } satisfies RpcRequest);
}

export function encodeNotification(method: string, params: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params } satisfies RpcNotification);
}

export function encodeSuccess(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: result ?? null } satisfies RpcSuccess);
}

export function encodeFailure(id: RpcId | null, error: RpcErrorObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error } satisfies RpcFailure);
}
