// The maas CLI's login exchange and command encoding, replayed byte for byte over TCP against
// a listening region (no Python needed): signed whoami, unsigned describe read the way maascli
// reads it, then commands encoded as maascli encodes them (base64 multipart with a quoted
// boundary, quote_plus queries). Facts: tools/clients/maascli/README.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';
import { rawHttpExchange, type RawHttpResponse } from './support/raw-http.js';
import {
  httplib2Request,
  maascliMultipart,
  oauthlibAuthorization,
  parseApiKey,
  queryEncode,
  type ApiCredentials,
} from './support/maascli-wire.js';
import {
  acceptsData,
  actionCommandName,
  buildCommandTree,
  formatFields,
  handlerCommandName,
  splitDocstring,
  type CliCommand,
} from './support/maascli-describe.js';

let region: ListeningRegion;
/** What `maas login` normalises the URL to (maascli/utils.py api_url). */
let profileUrl: URL;
let origin: string;

beforeAll(async () => {
  region = await startListeningRegion();
  profileUrl = new URL('api/2.0/', region.url);
  origin = `${profileUrl.protocol}//${profileUrl.host}`;
});
afterAll(async () => {
  await region.close();
});

function send(
  method: string,
  url: URL,
  headers: readonly (readonly [string, string])[] = [],
  body?: Buffer,
): Promise<RawHttpResponse> {
  return rawHttpExchange(region.host, region.port, httplib2Request(method, url, headers, body));
}

function json(response: RawHttpResponse): unknown {
  return JSON.parse(response.body.toString('utf8'));
}

interface Login {
  readonly whoami: RawHttpResponse;
  readonly describe: RawHttpResponse;
  readonly description: { hash: string } & Record<string, unknown>;
  readonly tree: Map<string, CliCommand>;
}

let loginOnce: Promise<Login> | undefined;

/** `maas login PROFILE URL KEY`: the signed whoami, then the unsigned describe (cmd_login's order). */
function login(): Promise<Login> {
  return (loginOnce ??= (async () => {
    const creds = parseApiKey(region.adminKey);
    const whoamiUrl = new URL(`users/?${queryEncode([['op', 'whoami']])}`, profileUrl);
    const whoami = await send('GET', whoamiUrl, [['authorization', oauthlibAuthorization(creds)]]);
    const describeResponse = await send('GET', new URL('describe/', profileUrl));
    const description = JSON.parse(describeResponse.body.toString('utf8')) as Login['description'];
    return {
      whoami,
      describe: describeResponse,
      description,
      tree: buildCommandTree(description, true, origin),
    };
  })());
}

/**
 * `maas PROFILE command sub positional… key=value…`, as Action.__call__ builds it: URL = login
 * origin + handler path with the positionals substituted raw; `op` then (GET/DELETE) the data in
 * the query; POST/PUT data as maascli's multipart; every request signed.
 */
async function maas(
  argv: readonly string[],
  data: readonly (readonly [string, string])[] = [],
  creds: ApiCredentials = parseApiKey(region.adminKey),
): Promise<RawHttpResponse> {
  const { tree, description } = await login();
  const [command = '', sub = '', ...positional] = argv;
  const cli = tree.get(command);
  if (!cli) throw new Error(`invalid choice: ${command} (commands: ${[...tree.keys()].join(', ')})`);
  const action = cli.actions.get(sub);
  if (!action)
    throw new Error(`${command}: invalid choice: ${sub} (actions: ${[...cli.actions.keys()].join(', ')})`);
  expect(positional, `${command} ${sub} takes ${cli.handler.params.join(', ')}`).toHaveLength(
    cli.handler.params.length,
  );
  if (data.length > 0)
    expect(acceptsData(action), `${command} ${sub} must document :param to accept key=value`).toBe(true);
  const values = Object.fromEntries(cli.handler.params.map((p, i) => [p, positional[i] ?? '']));
  const path = cli.handler.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
  const query: [string, string][] = action.op === null ? [] : [['op', action.op]];
  let headers: (readonly [string, string])[] = [];
  let body: Buffer | undefined;
  if (action.method === 'GET' || action.method === 'DELETE')
    query.push(...data.map(([k, v]): [string, string] => [k, v]));
  else if (data.length > 0)
    ({ headers, body } = ((m) => ({ headers: [...m.headers], body: m.body }))(maascliMultipart(data)));
  const encoded = queryEncode(query);
  const url = new URL(`${origin}${path}${encoded === '' ? '' : `?${encoded}`}`);
  const response = await send(
    action.method,
    url,
    [...headers, ['authorization', oauthlibAuthorization(creds)]],
    body,
  );
  // What the CLI does with every response: compare the API hash, need a Content-Type (204 too).
  expect(response.header('x-maas-api-hash'), `${action.method} ${url.href}`).toBe(description.hash);
  expect(response.header('content-type'), `${action.method} ${url.href} -> ${response.status}`).toBeDefined();
  return response;
}

describe('the maascli port used by this test', () => {
  it('names commands as handler_command_name does', () => {
    const table: Record<string, string> = {
      ZonesHandler: 'zones',
      ZoneHandler: 'zone',
      MachinesHandler: 'machines',
      AnonMachinesHandler: 'anon-machines',
      NodeResultsHandler: 'node-results',
      BootSourceSelectionsHandler: 'boot-source-selections',
      RackControllersHandler: 'rack-controllers',
      BcacheCacheSetsHandler: 'bcache-cache-sets',
      SSHKeysHandler: 'sshkeys',
      IPAddressesHandler: 'ipaddresses',
      DNSResourceRecordsHandler: 'dnsresource-records',
      VlanHandler: 'vlan',
      VLANHandler: 'vlanhandler',
      MAASHandler: 'maashandler',
      MaasHandler: 'maas',
    };
    expect(Object.fromEntries(Object.keys(table).map((name) => [name, handlerCommandName(name)]))).toEqual(
      table,
    );
    expect(['list_allocated', 'set_storage_layout', 'is_registered', 'read'].map(actionCommandName)).toEqual([
      'list-allocated',
      'set-storage-layout',
      'is-registered',
      'read',
    ]);
  });

  it('splits docstrings and finds format fields as Python does', () => {
    expect(splitDocstring('Create a zone.\n    More title.\n\n  :param name: The name.\n')).toEqual({
      title: 'Create a zone. More title.',
      body: ':param name: The name.',
    });
    expect(splitDocstring(null)).toEqual({ title: '', body: '' });
    expect(formatFields('/MAAS/api/2.0/nodes/{system_id}/blockdevices/{id}/')).toEqual(['system_id', 'id']);
    expect(() => formatFields('/x/{a}}/')).toThrow(/Single '}'/);
  });

  it('encodes multipart bodies exactly like the literal request in the README', () => {
    const boundary = '===============7330845974216740156==';
    const both = maascliMultipart(
      [
        ['name', 'foo'],
        ['description', 'bar'],
      ],
      boundary,
    );
    const part = (name: string, b64: string): string =>
      `--${boundary}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: form-data; name="${name}"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\n${b64}\r\n`;
    expect(both.body.toString('ascii')).toBe(
      `${part('name', 'Zm9v')}\r\n${part('description', 'YmFy')}\r\n--${boundary}--`,
    );
    expect(both.headers).toEqual([
      ['Content-Type', `multipart/form-data; boundary="${boundary}"`],
      ['MIME-Version', '1.0'],
      ['Content-Length', '431'],
    ]);
    expect(maascliMultipart([['name', 'foo']], boundary).headers[2]).toEqual(['Content-Length', '232']);
  });

  it('signs as oauthlib does: fixed parameter order, decimal nonce, %26-escaped PLAINTEXT signature', () => {
    const header = oauthlibAuthorization(
      { consumerKey: 'CK', tokenKey: 'TK', tokenSecret: 'TS' },
      1796151681,
    );
    expect(header).toMatch(
      /^OAuth oauth_nonce="\d{1,20}1796151681", oauth_timestamp="1796151681", oauth_version="1\.0", oauth_signature_method="PLAINTEXT", oauth_consumer_key="CK", oauth_token="TK", oauth_signature="%26TS"$/,
    );
  });
});

describe('maas login, byte for byte', () => {
  it('passes the signed credential check: GET users/?op=whoami answers 200 with the user', async () => {
    const { whoami, description } = await login();
    expect(whoami.status).toBe(200);
    expect(json(whoami)).toEqual({
      username: 'admin',
      email: 'admin@example.com',
      is_local: true,
      is_superuser: true,
      resource_uri: '/MAAS/api/2.0/users/admin/',
    });
    expect(whoami.header('x-maas-api-hash')).toBe(description.hash);
  });

  it('serves describe/ unsigned with Content-Type exactly application/json and a MAAS-shaped hash', async () => {
    const { describe: response, description } = await login();
    expect(response.status).toBe(200);
    expect(response.header('content-type')).toBe('application/json');
    expect(description.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(description['doc']).toBe('MAAS API');
    expect(Array.isArray(description['handlers'])).toBe(true);
  });

  it('yields a command tree the CLI can register, with the commands and data arguments users type', async () => {
    const { tree } = await login();
    const commands = [...tree.keys()];
    for (const name of [
      'account',
      'domain',
      'domains',
      'events',
      'maas',
      'resource-pool',
      'resource-pools',
      'sshkey',
      'sshkeys',
      'tag',
      'tags',
      'user',
      'users',
      'version',
      'zone',
      'zones',
    ]) {
      expect(commands, name).toContain(name);
    }
    expect(commands.filter((c) => c.includes('pool')).sort()).toEqual(['resource-pool', 'resource-pools']);
    expect([...(tree.get('zone')?.actions.keys() ?? [])]).toEqual(['delete', 'read', 'update']);
    expect(tree.get('zone')?.handler).toMatchObject({
      params: ['name'],
      path: '/MAAS/api/2.0/zones/{name}/',
      uri: `${origin}/MAAS/api/2.0/zones/{name}/`,
    });
    for (const [command, sub] of [
      ['zones', 'create'],
      ['zone', 'update'],
      ['users', 'create'],
      ['maas', 'get-config'],
      ['maas', 'set-config'],
      ['tags', 'create'],
      ['account', 'create-authorisation-token'],
    ] as const) {
      const action = tree.get(command)?.actions.get(sub);
      expect(action, `${command} ${sub}`).toBeDefined();
      if (action) expect(acceptsData(action), `${command} ${sub} takes key=value`).toBe(true);
    }
  });

  it('gives an anonymous profile only the resources with anonymous actions', async () => {
    const { description } = await login();
    const tree = buildCommandTree(description, false, origin);
    // As MAAS: controllers answer is_registered anonymously (AnonNodesHandler's), so they are listed.
    expect([...tree.keys()]).toEqual([
      // devices/ answers is_registered and is_action_in_progress anonymously, as MAAS's does.
      'devices',
      'machines',
      'nodes',
      'rack-controllers',
      'region-controllers',
      'version',
    ]);
  });

  it('answers a wrong token secret with 401, so login says "rejected your API key"', async () => {
    const creds = { ...parseApiKey(region.adminKey), tokenSecret: 'not-the-right-secret' };
    const response = await send('GET', new URL('users/?op=whoami', profileUrl), [
      ['authorization', oauthlibAuthorization(creds)],
    ]);
    expect(response.status).toBe(401);
    expect(response.body.toString('utf8')).toBe('Authorization Error: Invalid API key.');
  });
});

describe('maas PROFILE commands, byte for byte', () => {
  // Long enough for two base64 lines and not ASCII: the part must be base64-decoded, then UTF-8.
  const description = 'Rack B — zone für Tests, with a description longer than one base64 line';

  it('creates a zone with a base64 multipart POST (zones create name=… description=…)', async () => {
    const response = await maas(
      ['zones', 'create'],
      [
        ['name', 'wire-zone'],
        ['description', description],
      ],
    );
    expect(response.status).toBe(200);
    expect(response.header('content-type')).toMatch(/^application\/json(;|$)/);
    expect(json(response)).toMatchObject({
      name: 'wire-zone',
      description,
      resource_uri: '/MAAS/api/2.0/zones/wire-zone/',
    });
    expect(await region.region.services.zones.get('wire-zone')).toMatchObject({ description });
  });

  it('reads it back with the name as a positional argument (zone read wire-zone)', async () => {
    const response = await maas(['zone', 'read', 'wire-zone']);
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ name: 'wire-zone', description });
  });

  it('decodes an empty base64 part as an empty value (zone update wire-zone description=)', async () => {
    const response = await maas(['zone', 'update', 'wire-zone'], [['description', '']]);
    expect(response.status).toBe(200);
    expect(json(response)).toMatchObject({ name: 'wire-zone', description: '' });
  });

  it('sends GET data in a quote_plus query (maas get-config name=maas_name)', async () => {
    const response = await maas(['maas', 'get-config'], [['name', 'maas_name']]);
    expect(response.status).toBe(200);
    expect(typeof json(response)).toBe('string');
  });

  it('deletes it with 204 and a Content-Type (zone delete wire-zone)', async () => {
    const response = await maas(['zone', 'delete', 'wire-zone']);
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
    const zones = await region.region.services.zones.list();
    expect(zones.map((z) => z.name)).not.toContain('wire-zone');
  });

  it('refuses a normal user an admin command with 403, still with the API hash', async () => {
    const response = await maas(['zones', 'create'], [['name', 'not-allowed']], parseApiKey(region.userKey));
    expect(response.status).toBe(403);
  });
});
