import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createLogger } from '@ferrum/kit';
import { archList, encodeRequest } from '@ferrum/protocol';
import { openRackSession } from './rack-session.js';

const logger = createLogger({ level: 'silent', pretty: false });
const registration = { hostname: 'r', version: '1', interfaces: [], capabilities: [] };
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server)
      server.close(() => {
        resolve();
      });
    else resolve();
  });
  server = undefined;
});

async function listen(s: Server): Promise<string> {
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  return `ws://127.0.0.1:${String(typeof address === 'object' && address ? address.port : 0)}/MAAS/rpc/`;
}

describe(openRackSession, () => {
  it('refuses, without crashing, an HTTP answer instead of the RPC (a proxy’s 502)', async () => {
    const url = await listen(createServer((_req, res) => res.writeHead(502).end('bad gateway')));
    await expect(
      openRackSession({ url, key: { key: 's' }, registration, handler: () => Promise.resolve({}), logger }),
    ).rejects.toThrow(/answered HTTP 502/);
    // An uncaught 'error' would have failed the test run by now; give it a turn to surface.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('answers nothing to a region that has not proved itself', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const answers: unknown[] = [];
    wss.on('connection', (ws) => {
      // A region that does not know the secret asks the rack before any handshake.
      ws.send(encodeRequest('probe-1', archList.name, {}));
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { id?: unknown; error?: { code: number } };
        if (frame.id === 'probe-1') {
          answers.push(frame);
          ws.close();
        }
      });
    });
    const url = await listen(http);
    let asked = false;
    await expect(
      openRackSession({
        url,
        key: { key: 's' },
        registration,
        handler: () => {
          asked = true;
          return Promise.resolve({ architectures: ['amd64/generic'] });
        },
        logger,
        connectTimeoutMs: 2000,
      }),
    ).rejects.toThrow();
    expect(asked).toBe(false);
    expect(answers.map((a) => (a as { error?: { code: number } }).error?.code)).toEqual([-32002]);
    wss.close();
  });
});
