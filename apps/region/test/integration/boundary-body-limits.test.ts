// Body size limits on multipart bodies, which Fastify's bodyLimit does not cover: the whole
// region with its real 64 MiB limit (a streamed body, never held in the test's memory), and
// the parsers with lowered limits for the per-field, per-file and count limits.
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { buildApp } from '../../src/app.js';
import { registerBodyParsers, type BodyLimits } from '../../src/http/maas/body-parsers.js';
import { registerMaasApi } from '../../src/http/maas/dispatch.js';
import { crud, type HandlerDef } from '../../src/http/maas/handler.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

const api = '/MAAS/api/2.0';
const MiB = 1024 * 1024;

let region: TestRegion;
let small: FastifyInstance;

const smallLimits: BodyLimits = { bodyBytes: 64 * 1024, fieldBytes: 1024, fields: 4, files: 2 };

const echoHandler: HandlerDef = {
  name: 'EchoHandler',
  doc: 'Echoes what it was given.',
  path: '/echo/',
  actions: [
    crud('create', 'anonymous', 'Echo.\n\n:param any: Anything.', (ctx) => ({
      fields: ctx.form.keys().length,
      sizes: Object.fromEntries(ctx.form.keys().map((key) => [key, ctx.form.get(key)?.length ?? 0])),
      files: ctx.form.files.map((f) => f.data.length),
    })),
  ],
};

beforeAll(async () => {
  region = await startTestRegion();
  small = Fastify();
  registerBodyParsers(small, smallLimits);
  registerMaasApi(small, { handlers: [echoHandler], services: region.services });
  await small.ready();
});
afterAll(async () => {
  await small.close();
  await region.close();
});

const boundary = 'limitsBoundary';
const field = (name: string, value: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (name: string, data: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${data}\r\n`;
const end = `--${boundary}--\r\n`;
const multipart = { 'content-type': `multipart/form-data; boundary=${boundary}` };

/** `size` bytes of one multipart field, generated 1 MiB at a time. */
function streamedField(size: number): Readable {
  const chunk = Buffer.alloc(MiB, 'a');
  return Readable.from(
    (function* () {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="big.bin"\r\n\r\n`,
      );
      for (let sent = 0; sent < size; sent += chunk.length)
        yield chunk.subarray(0, Math.min(chunk.length, size - sent));
      yield Buffer.from(`\r\n${end}`);
    })(),
  );
}

describe('multipart bodies through the whole region (64 MiB limit)', () => {
  it('answers 413 as soon as Content-Length announces more than 64 MiB, before reading the body', async () => {
    const response = await region.app.inject({
      method: 'POST',
      url: `${api}/zones/`,
      headers: { ...multipart, 'content-length': String(70 * MiB) },
      payload: Readable.from([Buffer.from(end)]),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe(
      `Request body is too large: ${String(70 * MiB)} bytes declared, the limit is 64 MiB.`,
    );
  });

  it('answers 413 to a streamed 70 MiB body without a Content-Length, even unauthenticated', async () => {
    const started = Date.now();
    const response = await region.app.inject({
      method: 'POST',
      url: `${api}/zones/`,
      headers: { ...multipart, 'transfer-encoding': 'chunked' },
      payload: streamedField(70 * MiB),
    });
    expect([response.statusCode, response.body]).toEqual([
      413,
      'Request body is too large: the limit is 64 MiB.',
    ]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  describe('over a real socket', () => {
    let listening: FastifyInstance;
    let port: number;
    beforeAll(async () => {
      listening = await buildApp({
        services: region.services,
        pool: region.database.pool,
        logger: createLogger({ level: 'silent', pretty: false }),
        version: '0.0.0-test',
        startedAt: Date.now(),
        url: () => 'http://127.0.0.1/MAAS/',
      });
      await listening.listen({ host: '127.0.0.1', port: 0 });
      port = (listening.server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await listening.close();
    });

    it('closes the connection of a real client that keeps sending, and answers it 413', async () => {
      const status = await new Promise<{ status: number; connection: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, method: 'POST', path: `${api}/zones/`, headers: multipart },
            (res) => {
              res.resume();
              resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
            },
          );
          // The connection ends while the client still writes; the answer must have come first.
          req.on('error', reject);
          streamedField(70 * MiB).pipe(req);
        },
      );
      expect(status).toEqual({ status: 413, connection: 'close' });
    });

    it('keeps draining after an early 413 so a client still writing reads the answer, then closes', async () => {
      // Content-Length over the limit: the region answers before reading a byte of the body.
      // Were the socket closed at once, the unread body would make the kernel reset the
      // connection and a client still writing would get EPIPE instead of the answer.
      // Half-open: a client that goes on writing after the region's FIN, as a streaming client does.
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      const chunk = Buffer.alloc(256 * 1024, 'a');
      let response = '';
      let answeredAt = 0;
      let failedAt = 0;
      let failure: Error | undefined;
      const closed = new Promise<void>((resolve) =>
        socket.on('close', () => {
          resolve();
        }),
      );
      socket.on('error', (error) => {
        failure = error;
        failedAt = Date.now();
      });
      socket.on('data', (data: Buffer) => {
        response += data.toString('latin1');
        if (answeredAt === 0 && /\r\n\r\n[^]*limit is 64 MiB\./.test(response)) answeredAt = Date.now();
      });
      socket.write(
        `POST ${api}/zones/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${multipart['content-type']}\r\n` +
          `Content-Length: ${String(70 * MiB)}\r\n\r\n`,
      );
      const started = Date.now();
      // Write on until the connection fails: the region drains for a while, then closes it.
      while (!socket.destroyed && Date.now() - started < 10_000) {
        const drained = socket.write(chunk);
        await new Promise((resolve) => setTimeout(resolve, drained ? 0 : 5));
      }
      socket.destroy();
      await closed;
      expect(response).toMatch(/^HTTP\/1\.1 413 /);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      expect(answeredAt).toBeGreaterThan(0);
      // The client went on writing for a good while after the answer (the region drained, it
      // did not reset at once), and the region did end the connection well before 10 s.
      expect(failure).toBeDefined();
      expect(failedAt - answeredAt).toBeGreaterThanOrEqual(200);
      expect(failedAt - answeredAt).toBeLessThan(5000);
    });
  });
});

describe('multipart limits (lowered for the test)', () => {
  const post = (body: string) =>
    small.inject({ method: 'POST', url: `${api}/echo/`, headers: multipart, payload: body });

  it('accepts a body, a field and a file right at their limits', async () => {
    const atField = await post(`${field('a', 'x'.repeat(1024))}${end}`);
    expect([atField.statusCode, atField.json()]).toEqual([200, { fields: 1, sizes: { a: 1024 }, files: [] }]);
    // One file filling the body up to the last byte allowed.
    const overhead = Buffer.byteLength(`${file('f', '')}${end}`);
    const atBody = await post(`${file('f', 'y'.repeat(64 * 1024 - overhead))}${end}`);
    expect([atBody.statusCode, atBody.json()]).toEqual([
      200,
      { fields: 0, sizes: {}, files: [64 * 1024 - overhead] },
    ]);
  });

  it('refuses a body one byte over the limit, with or without Content-Length', async () => {
    const overhead = Buffer.byteLength(`${file('f', '')}${end}`);
    const body = `${file('f', 'y'.repeat(64 * 1024 - overhead + 1))}${end}`;
    const declared = await post(body);
    expect([declared.statusCode, declared.json<{ message: string }>().message]).toEqual([
      413,
      'Request body is too large: 65537 bytes declared, the limit is 64 KiB.',
    ]);
    const streamed = await small.inject({
      method: 'POST',
      url: `${api}/echo/`,
      headers: { ...multipart, 'transfer-encoding': 'chunked' },
      payload: Readable.from([Buffer.from(body)]),
    });
    expect([streamed.statusCode, streamed.json<{ message: string }>().message]).toEqual([
      413,
      'Request body is too large: the limit is 64 KiB.',
    ]);
  });

  it('refuses a field over its limit instead of truncating it', async () => {
    const response = await post(`${field('big', 'x'.repeat(1025))}${end}`);
    expect(response.statusCode).toBe(413);
    expect(response.json<{ message: string }>().message).toMatch(/^Multipart field 'big' is too large/);
  });

  it('refuses more fields, files or parts than allowed instead of dropping them', async () => {
    const fields = await post(`${['a', 'b', 'c', 'd', 'e'].map((n) => field(n, n)).join('')}${end}`);
    expect([fields.statusCode, fields.json<{ message: string }>().message]).toEqual([
      413,
      'Too many multipart fields: the limit is 4.',
    ]);
    const files = await post(`${['f1', 'f2', 'f3'].map((n) => file(n, n)).join('')}${end}`);
    expect([files.statusCode, files.json<{ message: string }>().message]).toEqual([
      413,
      'Too many uploaded files: the limit is 2.',
    ]);
    // Parts without a Content-Disposition are neither fields nor files, but still count.
    const junk = `--${boundary}\r\nContent-Type: text/plain\r\n\r\njunk\r\n`.repeat(7);
    const parts = await post(`${junk}${end}`);
    expect([parts.statusCode, parts.json<{ message: string }>().message]).toEqual([
      413,
      'Too many multipart parts: the limit is 6.',
    ]);
  });

  it('accepts as many fields and files as allowed', async () => {
    const response = await post(
      `${['a', 'b', 'c', 'd'].map((n) => field(n, n)).join('')}${file('f1', 'one')}${file('f2', 'two')}${end}`,
    );
    expect([response.statusCode, response.json()]).toEqual([
      200,
      { fields: 4, sizes: { a: 1, b: 1, c: 1, d: 1 }, files: [3, 3] },
    ]);
  });
});
