// What dispatch does per request: no child logger for signed requests (the user is bound
// only on the error log line), and no copy of the body when the query holds only op.
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBodyParsers } from '../../src/http/maas/body-parsers.js';
import { registerMaasApi } from '../../src/http/maas/dispatch.js';
import { crud, operation, type ActionContext, type HandlerDef } from '../../src/http/maas/handler.js';
import { oauthHeader } from '../support/oauth.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
let app: FastifyInstance;
const logLines: Record<string, unknown>[] = [];
const loggerAtStart = new WeakMap<object, FastifyBaseLogger>();
let seen: ActionContext | undefined;

const probe: HandlerDef = {
  name: 'ProbeHandler',
  doc: 'Looks at its context.',
  path: '/probe/',
  actions: [
    crud('create', 'user', 'Probe.\n\n:param any: Anything.', (ctx) => {
      seen = ctx;
      return { keys: ctx.form.keys().sort() };
    }),
    operation('fail', 'POST', 'user', 'Throws.', () => {
      throw new Error('probe failure');
    }),
  ],
};

beforeAll(async () => {
  region = await startTestRegion();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  app = Fastify({ logger: { level: 'info', stream } });
  app.addHook('onRequest', (request, _reply, done) => {
    loggerAtStart.set(request, request.log);
    done();
  });
  registerBodyParsers(app);
  registerMaasApi(app, { handlers: [probe], services: region.services });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await region.close();
});

const post = (url: string, form: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: oauthHeader(region.userKey),
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams(form).toString(),
  });

describe('dispatch per request', () => {
  it('keeps the request logger of a signed request as it was', async () => {
    const response = await post('/MAAS/api/2.0/probe/', { a: '1' });
    expect(response.statusCode, response.body).toBe(200);
    expect(seen?.user?.username).toBe('alice');
    expect(seen?.request.log).toBe(loggerAtStart.get(seen?.request ?? {}));
  });

  it('hands the parsed body itself to the action when the query holds nothing but op', async () => {
    for (const url of ['/MAAS/api/2.0/probe/', '/MAAS/api/2.0/probe/?op=']) {
      const response = await post(url, { a: '1', b: '2' });
      expect([response.statusCode, response.json()], url).toEqual([200, { keys: ['a', 'b'] }]);
      expect(seen?.form, url).toBe(seen?.request.body);
    }
  });

  it('still fills in query keys the body lacks', async () => {
    const response = await post('/MAAS/api/2.0/probe/?c=3&a=query', { a: 'body' });
    expect(response.json()).toEqual({ keys: ['a', 'c'] });
    expect(seen?.form.get('a')).toBe('body');
    expect(seen?.form.get('c')).toBe('3');
  });

  it('names the signed-in user on the log line of an unhandled error', async () => {
    logLines.length = 0;
    const response = await post('/MAAS/api/2.0/probe/?op=fail', {});
    expect(response.statusCode).toBe(500);
    const line = logLines.find((l) => l['msg'] === 'unhandled error in MAAS API handler');
    expect(line).toMatchObject({ username: 'alice', err: { message: 'probe failure' } });
  });
});
