import { Buffer } from 'node:buffer';
import { createServer as createPlainServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificate, type TestCertificate } from '../../test/support/test-certificate.js';
import { httpRequest, transportError, type HttpCall } from './http-client.js';
import { HttpTransportError } from './http-transport-error.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

describe(httpRequest, () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            (s as { closeAllConnections?: () => void }).closeAllConnections?.();
            s.close(() => {
              resolve();
            });
          }),
      ),
    );
  });
  let certificate: TestCertificate;
  beforeAll(async () => {
    certificate = await makeTestCertificate();
  });

  const serve = async (handler: Handler, tls?: TestCertificate): Promise<{ url: string; seen: Seen[] }> => {
    const seen: Seen[] = [];
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
        handler(request, response, body);
      });
    };
    const server = tls
      ? createTlsServer({ key: tls.key, cert: tls.cert }, listener)
      : createPlainServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, seen };
  };
  const call = (url: string, extra: Partial<HttpCall> = {}): HttpCall => ({
    method: 'GET',
    url: new URL(url),
    timeoutMs: 2_000,
    signal: new AbortController().signal,
    verifyTls: true,
    maxBodyBytes: 1024,
    ...extra,
  });
  const rejection = async (pending: Promise<unknown>): Promise<unknown> =>
    pending.then(
      () => expect.fail('resolved'),
      (e: unknown) => e,
    );

  it('returns error answers as answers, with their body and headers', async () => {
    const { url } = await serve((_q, r) => {
      r.writeHead(503, { 'retry-after': '7' }).end('busy');
    });
    const answer = await httpRequest(call(`${url}/x`));
    expect([answer.status, answer.body, answer.headers['retry-after']]).toEqual([503, 'busy', '7']);
  });

  it('sends the body with its length, also an empty one', async () => {
    const { url, seen } = await serve((_q, r) => r.end());
    await httpRequest(call(url, { method: 'POST', body: '{"a":"é"}' }));
    await httpRequest(call(url, { method: 'POST' }));
    expect(seen.map((s) => [s.headers['content-length'], s.body])).toEqual([
      ['10', '{"a":"é"}'],
      ['0', ''],
    ]);
  });

  it('refuses an answer longer than the limit', async () => {
    const { url } = await serve((_q, r) => r.end('x'.repeat(5_000)));
    const error = await rejection(httpRequest(call(url, { maxBodyBytes: 1_000 })));
    expect(error).toBeInstanceOf(HttpTransportError);
    expect((error as HttpTransportError).kind).toBe('too_large');
  });

  it('gives up on a peer that does not answer within the timeout', async () => {
    const { url } = await serve(() => undefined);
    const started = Date.now();
    const error = await rejection(httpRequest(call(url, { timeoutMs: 200 })));
    expect((error as HttpTransportError).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('rejects with the signal’s reason when aborted mid-request', async () => {
    const { url } = await serve(() => undefined);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => {
      controller.abort(reason);
    }, 50);
    await expect(httpRequest(call(url, { signal: controller.signal, timeoutMs: 5_000 }))).rejects.toBe(
      reason,
    );
  });

  it('reports an answer cut short as a connection failure', async () => {
    const { url } = await serve((_q, r) => {
      r.writeHead(200, { 'content-length': '100' });
      r.write('only part');
      setTimeout(() => r.destroy(), 20);
    });
    const error = await rejection(httpRequest(call(url)));
    expect((error as HttpTransportError).kind).toBe('connect');
  });

  it('reports a peer that does not speak HTTP as a protocol failure', async () => {
    const sockets: Socket[] = [];
    const tcp = createTcpServer((socket) => {
      sockets.push(socket);
      socket.end('SSH-2.0-OpenSSH_9.2\r\n');
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as AddressInfo;
    try {
      const error = await rejection(httpRequest(call(`http://127.0.0.1:${port}/`)));
      expect((error as HttpTransportError).kind).toBe('protocol');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        tcp.close(() => {
          resolve();
        });
      });
    }
  });

  it('reports a refused connection', async () => {
    const tcp = createTcpServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      tcp.close(() => {
        resolve();
      });
    });
    const error = await rejection(httpRequest(call(`http://127.0.0.1:${port}/`)));
    expect([(error as HttpTransportError).kind, (error as Error).message]).toEqual([
      'connect',
      'connection refused',
    ]);
  });

  it('follows a 303 after a POST as a GET without the body', async () => {
    const { url, seen } = await serve((q, r) => {
      if (q.url === '/start') r.writeHead(303, { location: '/done' }).end();
      else r.end('done');
    });
    const answer = await httpRequest(
      call(`${url}/start`, {
        method: 'POST',
        body: 'x',
        headers: { 'content-type': 'text/plain' },
        maxRedirects: 5,
      }),
    );
    expect(answer.body).toBe('done');
    expect(answer.url.pathname).toBe('/done');
    expect(seen.map((s) => [s.method, s.path, s.body, s.headers['content-type']])).toEqual([
      ['POST', '/start', 'x', 'text/plain'],
      ['GET', '/done', '', undefined],
    ]);
  });

  it('keeps the method and body through a 307', async () => {
    const { url, seen } = await serve((q, r) => {
      if (q.url === '/a') r.writeHead(307, { location: '/b' }).end();
      else r.end();
    });
    await httpRequest(call(`${url}/a`, { method: 'POST', body: 'keep', maxRedirects: 1 }));
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/a', 'keep'],
      ['POST', '/b', 'keep'],
    ]);
  });

  it('sends no credentials on to another origin', async () => {
    const other = await serve((_q, r) => r.end('elsewhere'));
    const first = await serve((_q, r) => r.writeHead(302, { location: `${other.url}/x` }).end());
    await httpRequest(
      call(first.url, {
        headers: { authorization: 'Bearer t', 'x-auth-token': 'k', accept: 'text/plain' },
        maxRedirects: 2,
      }),
    );
    expect(first.seen[0]?.headers.authorization).toBe('Bearer t');
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
    expect(other.seen[0]?.headers['x-auth-token']).toBeUndefined();
    expect(other.seen[0]?.headers.accept).toBe('text/plain');
  });

  it('returns a redirect as the answer when told to follow none, and stops a loop', async () => {
    const { url } = await serve((_q, r) => r.writeHead(301, { location: '/again' }).end());
    expect((await httpRequest(call(url))).status).toBe(301);
    const error = await rejection(httpRequest(call(url, { maxRedirects: 3 })));
    expect([(error as HttpTransportError).kind, (error as Error).message]).toEqual([
      'protocol',
      'more than 3 redirects',
    ]);
  });

  it('refuses a certificate it cannot trust, and accepts any when not verifying', async () => {
    const { url } = await serve((_q, r) => r.end('ok'), certificate);
    const error = await rejection(httpRequest(call(url)));
    expect([(error as HttpTransportError).kind, (error as Error).message]).toEqual([
      'tls_untrusted',
      'self-signed certificate',
    ]);
    expect((await httpRequest(call(url, { verifyTls: false }))).body).toBe('ok');
  });

  it('accepts a certificate signed by a CA in its trust, for the host it names', async () => {
    const { url } = await serve((_q, r) => r.end('ok'), certificate);
    const trust = createSecureContext({ ca: [certificate.cert] });
    expect((await httpRequest(call(url, { trust }))).body).toBe('ok');
    const elsewhere = await makeTestCertificate({ altNames: ['DNS:bmc.example'] });
    const other = await serve((_q, r) => r.end('ok'), elsewhere);
    const error = await rejection(
      httpRequest(call(other.url, { trust: createSecureContext({ ca: [elsewhere.cert] }) })),
    );
    expect((error as HttpTransportError).kind).toBe('tls_untrusted');
    expect((error as Error).message).toContain("IP: 127.0.0.1 is not in the cert's list");
  });
});

describe(transportError, () => {
  it.each([
    ['ECONNREFUSED', 'connect'],
    ['ECONNRESET', 'connect'],
    ['EHOSTUNREACH', 'connect'],
    ['EAI_AGAIN', 'connect'],
    ['ENOTFOUND', 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls_untrusted'],
    ['CERT_HAS_EXPIRED', 'tls_untrusted'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
  ])('classifies %s as %s', (code, kind) => {
    expect(transportError(Object.assign(new Error('x'), { code })).kind).toBe(kind);
  });
});
