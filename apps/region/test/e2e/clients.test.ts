// Real MAAS clients against a listening region: Juju's Go library (gomaasapi, built from
// Debian's packaged sources) and a replay of the maas CLI on its own Python libraries.
// Neither is ever skipped: a missing toolchain fails the test with the install step.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilities, MAAS_COMPAT_VERSION } from '../../src/http/maas/resources/version.js';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';
import {
  clientsDir,
  gomaasapiPackages,
  maascliPackages,
  parseJsonLine,
  requireDebianPackages,
  requireExecutable,
  runTool,
  type ToolRun,
} from './support/real-tools.js';

let region: ListeningRegion;
let buildDir: string;

beforeAll(async () => {
  region = await startListeningRegion();
  buildDir = await mkdtemp(join(tmpdir(), 'ferrum-e2e-clients-'));
});
afterAll(async () => {
  await region.close();
  await rm(buildDir, { recursive: true, force: true });
});

describe('gomaasapi (Juju Go client 2.0.0)', () => {
  let binary = '';

  // Built once per run into a private dir; Go's build cache (tools/clients/gomaasapi/.cache)
  // makes it ~2 s warm, ~20 s cold, hence the hook's own timeout.
  beforeAll(async () => {
    await requireDebianPackages(
      'The gomaasapi harness (tools/clients/gomaasapi/build.sh)',
      gomaasapiPackages,
    );
    const out = join(buildDir, 'gomaasapi-client');
    const build = await runTool(join(clientsDir, 'gomaasapi', 'build.sh'), [out], { timeoutMs: 280_000 });
    if (build.code !== 0)
      throw new Error(
        `tools/clients/gomaasapi/build.sh failed (exit ${String(build.code)}):\n${build.stderr}${build.stdout}`,
      );
    binary = out;
  }, 300_000);

  async function runGomaasapi(
    env: Record<string, string>,
  ): Promise<{ run: ToolRun; result: Record<string, unknown> }> {
    const run = await runTool(binary, [], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        MAAS_URL: region.url,
        TIMEOUT_SECONDS: '20',
        ...env,
      },
      timeoutMs: 60_000,
    });
    return { run, result: parseJsonLine(run, 'gomaasapi-client') };
  }

  it('connects as NewController does, reads version, capabilities, zones and whoami', async () => {
    const { run, result } = await runGomaasapi({ MAAS_API_KEY: region.adminKey });
    expect(result, run.stderr).toMatchObject({ ok: true, mode: 'ok' });
    expect(run.code).toBe(0);
    expect(result['version']).toBe(MAAS_COMPAT_VERSION);
    expect(result['subversion']).toBe('ferrum-0.0.0-e2e');
    expect(result['capabilities']).toEqual([...capabilities].sort());
    expect(result['zones']).toContain('default');
    expect(result['zone_details']).toContainEqual({ name: 'default', description: '' });
    expect(result['whoami_username']).toBe('admin');
    expect(result['whoami_fields']).toEqual([
      'email',
      'is_local',
      'is_superuser',
      'resource_uri',
      'username',
    ]);
  });

  it('accepts the API root however the user spells it', async () => {
    const root = region.url.replace(/\/$/, '');
    for (const url of [root, `${root}/api/2.0/`, `${root}/api/2.0`]) {
      const { run, result } = await runGomaasapi({ MAAS_URL: url, MAAS_API_KEY: region.userKey });
      expect(result, `${url}: ${run.stdout}`).toMatchObject({ ok: true, whoami_username: 'alice' });
    }
  });

  it('lists resource pools through Controller.Pools(), which asks for pools/', async () => {
    const { run, result } = await runGomaasapi({
      MAAS_API_KEY: region.userKey,
      CALLS: 'zones,pools',
      SKIP_V1_WHOAMI: '1',
    });
    expect(result, run.stdout).toMatchObject({ ok: true });
    expect(result['pools']).toContain('default');
  });

  it('reports a wrong token secret as a PermissionError from the 401', async () => {
    const { run, result } = await runGomaasapi({ MODE: 'badkey', MAAS_API_KEY: region.adminKey });
    expect(result, run.stdout).toMatchObject({
      ok: true,
      mode: 'badkey',
      error_kind: 'PermissionError',
      auth_failed: true,
      status_code: 401,
    });
    expect(result['error']).toBe('Authorization Error: Invalid API key.');
    expect(run.code).toBe(0);
  });

  it('reports an unknown token as a PermissionError too', async () => {
    const [consumer = ''] = region.adminKey.split(':');
    const { result } = await runGomaasapi({
      MODE: 'badkey',
      MAAS_BAD_API_KEY: `${consumer}:AAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB`,
    });
    expect(result).toMatchObject({ ok: true, error_kind: 'PermissionError', status_code: 401 });
  });
});

describe('maas CLI replay (maascli encoding on python3-oauthlib + python3-httplib2)', () => {
  const python = '/usr/bin/python3';
  const script = join(clientsDir, 'maascli', 'maas_login_replay.py');

  beforeAll(async () => {
    await requireDebianPackages('The maas CLI replay (tools/clients/maascli)', maascliPackages);
    await requireExecutable(
      python,
      `install Debian's python3 (apt-get install -y --no-install-recommends ${maascliPackages.join(' ')})`,
    );
  });

  async function runReplay(
    args: readonly string[],
    input?: string,
  ): Promise<{ run: ToolRun; result: Record<string, unknown> }> {
    const run = await runTool(python, [script, ...args], {
      // The system interpreter with Debian's dist-packages only: no user site, no PYTHONPATH.
      env: { PATH: '/usr/bin:/bin', HOME: buildDir, PYTHONNOUSERSITE: '1', LANG: 'C.UTF-8' },
      timeoutMs: 60_000,
      ...(input !== undefined ? { input } : {}),
    });
    return { run, result: parseJsonLine(run, 'maas_login_replay.py') };
  }

  it('logs in, builds the command tree and runs zones create, zone read, zones read, zone delete', async () => {
    const { run, result } = await runReplay([
      region.url,
      region.adminKey,
      '--zone-name',
      'replay-zone',
      '--description',
      'made by the maas CLI replay',
      '--run',
      'users whoami',
      '--run',
      'account list-authorisation-tokens',
      '--run',
      'maas get-config name=maas_name',
      '--run',
      'resource-pools read',
      '--run',
      'tags read',
      '--run',
      'domains read',
      '--run',
      'sshkeys read',
      '--run',
      'events query level=AUDIT',
    ]);
    expect(result, `${run.stdout}\n${run.stderr}`).toMatchObject({ ok: true });
    expect(run.code).toBe(0);
    const commands = result['commands'] as Record<string, string[]>;
    const steps = result['steps'] as Record<
      string,
      { method: string; uri: string; status: number; body?: unknown }
    >;
    // The replay's GET-with-query step needs `machines read`; until machines exist it warns
    // (and `maas get-config name=…` below covers a GET with a query string). No other warnings.
    const machinesSkipped = "GET-with-query step skipped: no 'machines read' action documenting ':param'";
    if ('machines' in commands) expect(steps['machines read zone=...']).toMatchObject({ status: 200 });
    else expect(result['warnings']).toEqual([machinesSkipped]);
    expect((result['warnings'] as string[]).filter((w) => w !== machinesSkipped)).toEqual([]);
    expect(result['whoami']).toMatchObject({ username: 'admin', is_superuser: true });

    for (const name of [
      'users',
      'user',
      'zones',
      'zone',
      'account',
      'sshkeys',
      'sshkey',
      'tags',
      'tag',
      'domains',
      'domain',
      'events',
      'maas',
      'resource-pools',
      'resource-pool',
      'version',
    ]) {
      expect(Object.keys(commands), name).toContain(name);
    }
    expect(commands['zones']).toEqual(['create', 'read']);
    expect(commands['zone']).toEqual(['delete', 'read', 'update']);
    expect(commands['users']).toEqual(expect.arrayContaining(['create', 'read', 'whoami']));
    expect(commands['account']).toEqual(
      expect.arrayContaining([
        'create-authorisation-token',
        'delete-authorisation-token',
        'list-authorisation-tokens',
      ]),
    );
    expect(commands['maas']).toEqual(expect.arrayContaining(['get-config', 'set-config']));
    // MAAS's node-devices commands, from the describe of nodes/{system_id}/devices/.
    expect(commands['node-devices']).toEqual(['read']);
    expect(commands['node-device']).toEqual(['delete', 'read']);
    // pools/ is served for gomaasapi but must not become a second "resource-pools" command.
    expect(
      Object.keys(commands)
        .filter((c) => c.includes('pool'))
        .sort(),
    ).toEqual(['resource-pool', 'resource-pools']);

    expect(result['created']).toMatchObject({
      name: 'replay-zone',
      description: 'made by the maas CLI replay',
      resource_uri: '/MAAS/api/2.0/zones/replay-zone/',
    });
    const base = `http://${region.host}:${region.port}/MAAS/api/2.0`;
    expect(steps['zones create']).toEqual({ method: 'POST', uri: `${base}/zones/`, status: 200 });
    expect(steps['zone read']).toEqual({ method: 'GET', uri: `${base}/zones/replay-zone/`, status: 200 });
    expect(steps['zones read']).toEqual({ method: 'GET', uri: `${base}/zones/`, status: 200 });
    expect(steps['zone delete']).toEqual({
      method: 'DELETE',
      uri: `${base}/zones/replay-zone/`,
      status: 204,
    });
    expect(steps['users whoami']).toMatchObject({
      uri: `${base}/users/?op=whoami`,
      status: 200,
      body: { username: 'admin' },
    });
    expect(steps['maas get-config name=maas_name']).toMatchObject({
      uri: `${base}/maas/?op=get_config&name=maas_name`,
      status: 200,
    });
    expect(steps['resource-pools read']?.body).toContainEqual(expect.objectContaining({ name: 'default' }));
    expect(steps['account list-authorisation-tokens']?.body).toContainEqual(
      expect.objectContaining({ name: 'e2e', token: region.adminKey }),
    );
    // X-MAAS-API-Hash was checked on whoami and on every command: 4 built-in steps (5 once
    // machines exist) and the 8 --run commands.
    expect(result['hash_checks']).toBe(1 + ('machines' in commands ? 5 : 4) + 8);
    expect(steps['sshkeys read']).toMatchObject({ status: 200, body: [] });
    expect(steps['events query level=AUDIT']).toMatchObject({
      uri: `${base}/events/?op=query&level=AUDIT`,
      status: 200,
    });
    // The zone's creation was audited, and the CLI-style query finds it.
    const audited = (
      steps['events query level=AUDIT']?.body as { events: { description: string }[] }
    ).events.map((e) => e.description);
    expect(audited.some((d) => d.includes('replay-zone'))).toBe(true);
    expect(result['hash']).toMatch(/^[0-9a-f]{40}$/);
    // The replay recomputes the hash with MAAS's own canonicalisation (doc.py hash_canonical).
    expect(result['hash_matches_maas_algorithm']).toBe(true);

    const zones = await region.region.services.zones.list();
    expect(zones.map((z) => z.name)).not.toContain('replay-zone');
  });

  it('reads the API key from stdin when given "-"', async () => {
    const { result } = await runReplay([region.url, '-', '--login-only'], `${region.userKey}\n`);
    expect(result).toMatchObject({ ok: true, whoami: { username: 'alice', is_superuser: false } });
  });

  it('fails login with "rejected your API key" for a wrong token secret', async () => {
    const [ck, tk] = region.adminKey.split(':');
    const { run, result } = await runReplay([region.url, `${ck ?? ''}:${tk ?? ''}:not-the-right-secret`]);
    expect(run.code).toBe(1);
    expect(result).toMatchObject({ ok: false, step: 'whoami' });
    expect(result['error']).toMatch(
      /^The MAAS server rejected your API key\. \(GET .*\/users\/\?op=whoami -> 401: b'Authorization Error: Invalid API key\.'\)$/,
    );
  });

  it('lets an anonymous profile see only the handlers with anonymous actions', async () => {
    const { run, result } = await runReplay([region.url, '', '--login-only']);
    expect(result, run.stdout).toMatchObject({ ok: true });
    // As current maascli does: a resource with an anon face is listed with its auth face's actions.
    expect(Object.keys(result['commands'] as Record<string, string[]>)).toEqual([
      // devices/ answers is_registered and is_action_in_progress anonymously, as MAAS's does.
      'devices',
      'machines',
      'nodes',
      'rack-controllers',
      'region-controllers',
      'version',
    ]);
    expect((result['commands'] as Record<string, string[]>)['machines']).toEqual(
      expect.arrayContaining(['create', 'is-registered', 'is-action-in-progress']),
    );
  });
});
