import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFailure,
  encodeNotification,
  encodeRequest,
  encodeSuccess,
  rpcErrorCodes,
} from './json-rpc.js';

const MAX = 1 << 16;

describe(decodeFrame, () => {
  it('reads back every frame it encodes', () => {
    expect(decodeFrame(encodeRequest(7, 'os.list', { arch: 'amd64' }), MAX)).toEqual({
      kind: 'request',
      frame: { jsonrpc: '2.0', id: 7, method: 'os.list', params: { arch: 'amd64' } },
    });
    expect(decodeFrame(encodeNotification('rack.heartbeat', {}), MAX)).toEqual({
      kind: 'notification',
      frame: { jsonrpc: '2.0', method: 'rack.heartbeat', params: {} },
    });
    expect(decodeFrame(encodeSuccess('a1', { ok: true }), MAX)).toEqual({
      kind: 'success',
      frame: { jsonrpc: '2.0', id: 'a1', result: { ok: true } },
    });
    expect(decodeFrame(encodeSuccess(3, undefined), MAX)).toMatchObject({
      kind: 'success',
      frame: { result: null },
    });
    expect(
      decodeFrame(encodeFailure(null, { code: rpcErrorCodes.parseError, message: 'x', data: [1] }), MAX),
    ).toEqual({
      kind: 'failure',
      frame: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x', data: [1] } },
    });
  });

  it('takes a request without params as one with empty params', () => {
    expect(decodeFrame('{"jsonrpc":"2.0","id":1,"method":"os.list"}', MAX)).toMatchObject({
      kind: 'request',
      frame: { params: {} },
    });
  });

  const refused: [string, string, number, string | number | null][] = [
    ['not JSON', '{"jsonrpc":', rpcErrorCodes.parseError, null],
    ['a batch', '[{"jsonrpc":"2.0","id":1,"method":"a"}]', rpcErrorCodes.invalidRequest, null],
    ['a string', '"hello"', rpcErrorCodes.invalidRequest, null],
    ['null', 'null', rpcErrorCodes.invalidRequest, null],
    ['another version', '{"jsonrpc":"1.0","id":1,"method":"a"}', rpcErrorCodes.invalidRequest, 1],
    ['no version', '{"id":"x","method":"a"}', rpcErrorCodes.invalidRequest, 'x'],
    [
      'a method that is not a name',
      '{"jsonrpc":"2.0","id":1,"method":"rm -rf /"}',
      rpcErrorCodes.invalidRequest,
      1,
    ],
    ['a method that is a number', '{"jsonrpc":"2.0","id":1,"method":5}', rpcErrorCodes.invalidRequest, 1],
    [
      'positional params',
      '{"jsonrpc":"2.0","id":1,"method":"a","params":[1,2]}',
      rpcErrorCodes.invalidParams,
      1,
    ],
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"a"}', rpcErrorCodes.invalidRequest, null],
    ['an object id', '{"jsonrpc":"2.0","id":{},"method":"a"}', rpcErrorCodes.invalidRequest, null],
    ['an empty id', '{"jsonrpc":"2.0","id":"","method":"a"}', rpcErrorCodes.invalidRequest, null],
    ['a result without id', '{"jsonrpc":"2.0","result":1}', rpcErrorCodes.invalidRequest, null],
    [
      'both result and error',
      '{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}',
      rpcErrorCodes.invalidRequest,
      1,
    ],
    ['a malformed error', '{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}', rpcErrorCodes.invalidRequest, 1],
    ['neither call nor response', '{"jsonrpc":"2.0","id":1}', rpcErrorCodes.invalidRequest, 1],
  ];
  it.each(refused)('refuses %s, naming what is wrong', (_, text, code, id) => {
    const decoded = decodeFrame(text, MAX);
    expect(decoded).toMatchObject({ kind: 'invalid', id, error: { code } });
    if (decoded.kind === 'invalid') expect(decoded.error.message.length).toBeGreaterThan(5);
  });

  it('refuses a frame longer than the limit without parsing it', () => {
    const big = encodeRequest(1, 'os.list', { pad: 'x'.repeat(200) });
    expect(decodeFrame(big, 100)).toMatchObject({
      kind: 'invalid',
      error: { code: rpcErrorCodes.invalidRequest },
    });
  });

  it('never throws, whatever it is given', () => {
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      'null',
      '1e999',
      '"jsonrpc"',
      '"2.0"',
      '"id"',
      '"method"',
      '\\u0000',
      'true',
      ' ',
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 5000; n++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 20) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
      expect(() => decodeFrame(text, MAX)).not.toThrow();
    }
  });
});
