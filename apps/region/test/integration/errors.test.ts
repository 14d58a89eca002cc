import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { registerBodyParsers } from '../../src/http/maas/body-parsers.js';
import { registerMaasApi } from '../../src/http/maas/dispatch.js';
import { operation, type HandlerDef } from '../../src/http/maas/handler.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
// The real dispatch with one anonymous handler whose ops throw what a service might.
let faultyApp: FastifyInstance;

const secretDetail = 'connection to 10.9.8.7:5432 failed for user ferrum_secret_owner';

const faultyHandler: HandlerDef = {
  name: 'FaultyHandler',
  doc: 'Throws on purpose.',
  path: '/faulty/',
  actions: [
    operation('unavailable', 'GET', 'anonymous', 'Throws unavailable.', () => {
      throw new AppError('unavailable', 'The rack controller for this subnet is not connected.');
    }),
    operation('slow_down', 'GET', 'anonymous', 'Throws unavailable with a retry time.', () => {
      throw new AppError('unavailable', 'Busy importing images.', { retryAfterSeconds: 30 });
    }),
    operation('rack_down', 'GET', 'anonymous', 'Throws rack_unavailable.', () => {
      throw new AppError('rack_unavailable', 'No rack controller can reach this BMC.');
    }),
    operation('conflict', 'POST', 'anonymous', 'Throws conflict.', () => {
      throw new AppError('conflict', 'No machine matches the constraints: tags=gpu.');
    }),
    operation('transition', 'POST', 'anonymous', 'Throws invalid_transition.', () => {
      throw new AppError('invalid_transition', "Cannot deploy machine 'abc123' in state Commissioning.");
    }),
    operation('gone', 'GET', 'anonymous', 'Throws gone.', () => {
      throw new AppError('gone', 'VM host (KVM) support has been removed from MAAS.');
    }),
    operation('crash', 'GET', 'anonymous', 'Throws an unexpected Error.', () => {
      throw new Error(secretDetail);
    }),
    operation('crash_later', 'GET', 'anonymous', 'Rejects with an unexpected Error.', async () => {
      await Promise.resolve();
      throw new TypeError(`Cannot read properties of undefined (reading 'rows') — ${secretDetail}`);
    }),
    operation('throw_string', 'GET', 'anonymous', 'Throws a string.', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- an unexpected non-Error throw is the point
      throw secretDetail;
    }),
  ],
};

beforeAll(async () => {
  region = await startTestRegion();
  faultyApp = Fastify();
  registerBodyParsers(faultyApp);
  registerMaasApi(faultyApp, { handlers: [faultyHandler], services: region.services });
  await faultyApp.ready();
});
afterAll(async () => {
  await faultyApp.close();
  await region.close();
});

const api = '/MAAS/api/2.0';

function faulty(method: 'GET' | 'POST', op: string) {
  return faultyApp.inject({ method, url: `${api}/faulty/?op=${op}` });
}

describe('MAAS error replies', () => {
  it('answer validation errors with 400 and JSON {"field": ["message"]}', async () => {
    const response = await region.request('POST', `${api}/users/`, {
      key: region.adminKey,
      form: { username: 'bad name', email: 'nope', password: 'pw' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      username: ['Enter a valid username of up to 150 characters: letters, digits and @/./+/-/_ only.'],
      email: ['Enter a valid email address.'],
    });
  });

  it('answer a single-message client error with 400 and plain text', async () => {
    const response = await region.request('DELETE', `${api}/zones/default/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('This zone is the default zone, it cannot be deleted.');
  });

  it('answer duplicates the way MAAS forms do: 400 naming the field, not 409', async () => {
    await region.request('POST', `${api}/zones/`, { key: region.adminKey, form: { name: 'twice' } });
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'twice' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['Zone with this Name already exists.'] });
  });

  it('answer missing credentials with 401 and plain text', async () => {
    const response = await region.request('GET', `${api}/users/?op=whoami`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^Authorization Error/);
  });

  it('answer a normal user doing admin work with 403 and plain text', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.userKey,
      form: { name: 'not-allowed' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/administrator/);
  });

  it('answer an unknown object with 404 and MAAS\'s "No … matches the given query."', async () => {
    const response = await region.request('GET', `${api}/zones/atlantis/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No Zone matches the given query.');
  });

  it('answer conflicts and impossible transitions with 409', async () => {
    const conflict = await faulty('POST', 'conflict');
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toBe('No machine matches the constraints: tags=gpu.');
    const transition = await faulty('POST', 'transition');
    expect(transition.statusCode).toBe(409);
    expect(transition.body).toMatch(/Cannot deploy/);
  });

  it('answer gone features with 410', async () => {
    const response = await faulty('GET', 'gone');
    expect(response.statusCode).toBe(410);
    expect(response.body).toBe('VM host (KVM) support has been removed from MAAS.');
  });

  it('answer unavailable services with 503 and Retry-After: 10, which gomaasapi waits for', async () => {
    const response = await faulty('GET', 'unavailable');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(response.body).toBe('The rack controller for this subnet is not connected.');
    const rack = await faulty('GET', 'rack_down');
    expect(rack.statusCode).toBe(503);
    expect(rack.headers['retry-after']).toBe('10');
  });

  it('send the retry time a service asks for', async () => {
    const response = await faulty('GET', 'slow_down');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
  });

  it('do not send Retry-After on client errors', async () => {
    const response = await region.request('GET', `${api}/zones/atlantis/`, { key: region.userKey });
    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('answer an unexpected throw with 500 and a short message, leaking neither details nor stack', async () => {
    for (const op of ['crash', 'crash_later', 'throw_string']) {
      const response = await faulty('GET', op);
      expect(response.statusCode, op).toBe(500);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.body).toBe('Internal server error.');
      expect(response.body).not.toContain('ferrum_secret_owner');
      expect(response.body).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('keep answering after an unexpected throw', async () => {
    await faulty('GET', 'crash');
    const response = await faulty('GET', 'gone');
    expect(response.statusCode).toBe(410);
  });
});
