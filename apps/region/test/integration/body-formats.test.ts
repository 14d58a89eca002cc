import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBodyParsers } from '../../src/http/maas/body-parsers.js';
import { registerMaasApi } from '../../src/http/maas/dispatch.js';
import { crud, type HandlerDef } from '../../src/http/maas/handler.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';
import { oauthHeader } from '../support/oauth.js';

let region: TestRegion;
// The real body parsers and dispatch, with one anonymous handler that echoes what it was given.
let echoApp: FastifyInstance;

const echoHandler: HandlerDef = {
  name: 'EchoHandler',
  doc: 'Echoes its parameters.',
  path: '/echo/',
  actions: [
    crud('create', 'anonymous', 'Echo.\n\n:param any: Anything.', (ctx) => ({
      values: Object.fromEntries(ctx.form.keys().map((key) => [key, ctx.form.getAll(key)])),
      files: ctx.form.files.map((f) => ({
        field: f.field,
        filename: f.filename,
        contentType: f.contentType,
        data: f.data.toString('utf8'),
      })),
    })),
  ],
};

interface Echo {
  values: Record<string, string[]>;
  files: { field: string; filename: string; contentType: string; data: string }[];
}

beforeAll(async () => {
  region = await startTestRegion();
  echoApp = Fastify();
  registerBodyParsers(echoApp);
  registerMaasApi(echoApp, { handlers: [echoHandler], services: region.services });
  await echoApp.ready();
});
afterAll(async () => {
  await echoApp.close();
  await region.close();
});

const api = '/MAAS/api/2.0';

async function echo(contentType: string, body: string | Buffer, url = `${api}/echo/`): Promise<Echo> {
  const response = await echoApp.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Echo>();
}

/** A multipart body the way curl -F and browsers send it: plain parts, an unquoted boundary. */
function plainMultipart(
  fields: [string, string][],
  files: { name: string; filename: string; type: string; data: string }[] = [],
) {
  const boundary = '----ferrumBoundary7MA4YWxkTrZu0gW';
  const parts = [
    ...fields.map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    ...files.map(
      (f) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n${f.data}\r\n`,
    ),
  ];
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: `${parts.join('')}--${boundary}--\r\n`,
  };
}

/** Base64 wrapped at 76 columns, as Python's email package writes it. */
function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? ['']).join('\r\n');
}

/**
 * A body the way the maas CLI builds it (maascli/utils.py encode_multipart_data): a MIME
 * multipart from Python's email package, every part base64 with Content-Transfer-Encoding,
 * a quoted boundary full of `=`, CRLF line ends and no newline after the closing boundary.
 */
function maasCliMultipart(fields: [string, string][], files: { name: string; data: Buffer }[] = []) {
  const boundary = '===============2368916434913513254==';
  const part = (headers: string[], data: Buffer) =>
    `--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n${base64Lines(data)}\r\n`;
  const parts = [
    ...fields.map(([name, value]) =>
      part(
        [
          'Content-Type: text/plain; charset="utf-8"',
          'MIME-Version: 1.0',
          'Content-Transfer-Encoding: base64',
          `Content-Disposition: form-data; name="${name}"`,
        ],
        Buffer.from(value, 'utf8'),
      ),
    ),
    ...files.map((f) =>
      part(
        [
          'Content-Type: application/octet-stream',
          'MIME-Version: 1.0',
          'Content-Transfer-Encoding: base64',
          `Content-Disposition: form-data; name="${f.name}"; filename="${f.name}"`,
        ],
        f.data,
      ),
    ),
  ];
  return {
    contentType: `multipart/form-data; boundary="${boundary}"`,
    body: `${parts.join('')}--${boundary}--`,
  };
}

describe('application/x-www-form-urlencoded bodies', () => {
  it('turn repeated keys into lists, in order', async () => {
    const body = await echo('application/x-www-form-urlencoded', 'tags=a&tags=b&tags=c&name=one');
    expect(body.values).toEqual({ tags: ['a', 'b', 'c'], name: ['one'] });
  });

  it('decode + and percent-escapes', async () => {
    const body = await echo(
      'application/x-www-form-urlencoded; charset=utf-8',
      'description=rack+one%20%E2%80%94+west',
    );
    expect(body.values['description']).toEqual(['rack one — west']);
  });

  it("reach a real handler as lists: repeated forward_dns_servers become a domain's list", async () => {
    const response = await region.request('POST', `${api}/domains/`, {
      key: region.adminKey,
      form: {
        name: 'forwarded.example',
        authoritative: 'false',
        forward_dns_servers: ['10.0.0.53', '10.0.1.53'],
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      name: 'forwarded.example',
      authoritative: false,
      forward_dns_servers: ['10.0.0.53', '10.0.1.53'],
    });
  });

  it('win over the query string for the same key', async () => {
    const response = await region.request('POST', `${api}/zones/?name=from-query&description=query-only`, {
      key: region.adminKey,
      form: { name: 'from-body' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'from-body', description: 'query-only' });
  });
});

describe('multipart/form-data bodies', () => {
  it('carry plain fields, repeated keys as lists', async () => {
    const { contentType, body } = plainMultipart([
      ['name', 'zone-m'],
      ['tags', 'x'],
      ['tags', 'y'],
      ['description', 'zürich — 東京'],
    ]);
    expect((await echo(contentType, body)).values).toEqual({
      name: ['zone-m'],
      tags: ['x', 'y'],
      description: ['zürich — 東京'],
    });
  });

  it('decode parts the maas CLI base64-encodes, with its quoted boundary', async () => {
    const long = 'a description longer than one base64 line of seventy-six characters, with ünïcödé 🙂';
    const { contentType, body } = maasCliMultipart([
      ['description', long],
      ['tags', 'one'],
      ['tags', 'two'],
      ['empty', ''],
    ]);
    expect(body).toContain('Content-Transfer-Encoding: base64');
    expect((await echo(contentType, body)).values).toEqual({
      description: [long],
      tags: ['one', 'two'],
      empty: [''],
    });
  });

  it('create a zone from a maas CLI request, signed in the header', async () => {
    const { contentType, body } = maasCliMultipart([
      ['name', 'cli-zone'],
      ['description', 'Rack 7 — Zürich'],
    ]);
    const response = await region.app.inject({
      method: 'POST',
      url: `${api}/zones/`,
      headers: { 'content-type': contentType, authorization: oauthHeader(region.adminKey) },
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ name: 'cli-zone', description: 'Rack 7 — Zürich' });
  });

  it('carry file parts with their field, filename, type and content', async () => {
    const { contentType, body } = plainMultipart(
      [['name', 'image']],
      [{ name: 'content', filename: 'root.tgz', type: 'application/gzip', data: 'plain file bytes' }],
    );
    const result = await echo(contentType, body);
    expect(result.values).toEqual({ name: ['image'] });
    expect(result.files).toEqual([
      { field: 'content', filename: 'root.tgz', contentType: 'application/gzip', data: 'plain file bytes' },
    ]);
  });

  it('decode base64 file parts from the maas CLI', async () => {
    const data = Buffer.from('#!/bin/sh\necho "user data"\n'.repeat(10));
    const { contentType, body } = maasCliMultipart([['name', 'script']], [{ name: 'user_data', data }]);
    const result = await echo(contentType, body);
    expect(result.values).toEqual({ name: ['script'] });
    expect(result.files).toEqual([
      {
        field: 'user_data',
        filename: 'user_data',
        contentType: 'application/octet-stream',
        data: data.toString('utf8'),
      },
    ]);
  });

  it('decode quoted-printable parts', async () => {
    const boundary = 'qpBoundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="description"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nZ=C3=BCrich =3D soft=\r\n break\r\n--${boundary}--\r\n`;
    expect((await echo(`multipart/form-data; boundary=${boundary}`, body)).values).toEqual({
      description: ['Zürich = soft break'],
    });
  });

  it('answer 400, not 500, for a multipart body without a boundary', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      headers: { 'content-type': 'multipart/form-data' },
      body: 'name=x',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/^Malformed multipart body: .*[Bb]oundary/);
  });

  it('answer 400, not 500, for a truncated multipart body', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      headers: { 'content-type': 'multipart/form-data; boundary=cut' },
      body: '--cut\r\nContent-Disposition: form-data; name="name"\r\n\r\nhalf-a-zo',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/^Malformed multipart body/);
    expect(
      (await region.request('GET', `${api}/zones/half-a-zo/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });
});

describe('other content types', () => {
  it('are refused with 415 when no parser knows them', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      headers: { 'content-type': 'application/xml' },
      body: '<zone name="x"/>',
    });
    expect(response.statusCode).toBe(415);
  });

  it('answer malformed JSON with 400', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(response.statusCode).toBe(400);
  });

  // MAAS (django-piston's Mimer) loads a JSON body into request.data, so its handlers take a
  // JSON object like a form. Fastify parses JSON too, but the MAAS dispatch must then use it.
  it('take a JSON object like a form, as MAAS does, never answering 200 while ignoring it', async () => {
    await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      form: { name: 'json-target', description: 'before' },
    });
    const response = await region.request('PUT', `${api}/zones/json-target/`, {
      key: region.adminKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'after' }),
    });
    expect(response.statusCode, response.body).toBe(200);
    const zone = await region.request('GET', `${api}/zones/json-target/`, { key: region.adminKey });
    expect(zone.json()).toMatchObject({ description: 'after' });
  });

  it('refuse a JSON body that is not an object with 400', async () => {
    const response = await region.request('POST', `${api}/zones/`, {
      key: region.adminKey,
      headers: { 'content-type': 'application/json' },
      body: '["name", "x"]',
    });
    expect(response.statusCode).toBe(400);
  });
});
