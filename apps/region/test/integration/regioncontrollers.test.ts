import { sql } from 'kysely';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '@ferrum/kit';
import { useTestRegion } from '../support/test-region.js';
import { RegionPresence } from '../../src/jobs/region-presence.js';
import { RegionControllerService, type RegionInfo } from '../../src/services/region-controller-service.js';

const region = useTestRegion();
const api = '/MAAS/api/2.0';
const regions = `${api}/regioncontrollers/`;

interface Region {
  system_id: string;
  hostname: string;
  fqdn: string;
  domain: { name: string };
  zone: { name: string };
  node_type: number;
  node_type_name: string;
  version: string;
  service_set: { name: string; status: string; status_info: string }[];
  resource_uri: string;
}

/** The fields MAAS shows of a region controller (DISPLAYED_REGION_CONTROLLER_FIELDS), resource_uri and service_set. */
const regionFields = [
  'architecture',
  'commissioning_status',
  'commissioning_status_name',
  'cpu_count',
  'cpu_speed',
  'cpu_test_status',
  'cpu_test_status_name',
  'current_commissioning_result_id',
  'current_installation_result_id',
  'current_testing_result_id',
  'description',
  'distro_series',
  'domain',
  'fqdn',
  'hardware_info',
  'hardware_uuid',
  'hostname',
  'interface_set',
  'interface_test_status',
  'interface_test_status_name',
  'ip_addresses',
  'memory',
  'memory_test_status',
  'memory_test_status_name',
  'network_test_status',
  'network_test_status_name',
  'node_type',
  'node_type_name',
  'osystem',
  'other_test_status',
  'other_test_status_name',
  'power_state',
  'power_type',
  'resource_uri',
  'service_set',
  'status_action',
  'storage_test_status',
  'storage_test_status_name',
  'swap_size',
  'system_id',
  'tag_names',
  'testing_status',
  'testing_status_name',
  'version',
  'zone',
];

let processes = 0;
function info(hostname: string): RegionInfo {
  processes++;
  return { hostname, pid: 4000 + processes, version: '1.2.3', url: `http://${hostname}:5240/MAAS/` };
}

/** Makes a region's last refresh `seconds` old, as if its process had stopped answering then. */
async function silentFor(systemId: string, seconds: number): Promise<void> {
  await region.database.db
    .updateTable('region_controllers')
    .set({ last_seen: sql<Date>`now() - make_interval(secs => ${seconds})` })
    .where('system_id', '=', systemId)
    .execute();
}

async function rowOf(systemId: string) {
  return region.database.db
    .selectFrom('region_controllers')
    .selectAll()
    .where('system_id', '=', systemId)
    .executeTakeFirst();
}

const list = async () => (await region.request('GET', regions, { key: region.userKey })).json<Region[]>();

beforeEach(async () => {
  await region.database.db.deleteFrom('region_controllers').execute();
});

describe('regioncontrollers/', () => {
  it('lists two registered processes with the fields MAAS shows', async () => {
    const first = await region.services.regions.register(info('region-a'));
    const second = await region.services.regions.register(info('region-b'));
    const response = await region.request('GET', regions, { key: region.userKey });
    expect(response.statusCode, response.body).toBe(200);
    const listed = response.json<Region[]>();
    expect(listed.map((r) => [r.system_id, r.hostname])).toEqual([
      [first, 'region-a'],
      [second, 'region-b'],
    ]);
    for (const r of listed) expect(Object.keys(r).sort()).toEqual(regionFields);
    expect(listed[0]).toMatchObject({
      system_id: expect.stringMatching(/^[abcdefghjkmnpqrstuvwxy3456789]{6}$/) as unknown,
      fqdn: 'region-a.maas',
      domain: { name: 'maas' },
      zone: { name: 'default' },
      node_type: 3,
      node_type_name: 'Region controller',
      version: '1.2.3',
      power_type: '',
      interface_set: [],
      ip_addresses: [],
      service_set: [{ name: 'regiond', status: 'running', status_info: '' }],
      resource_uri: `${regions}${first}/`,
    });
  });

  it('filters by hostname and by system_id, and refuses filters it cannot answer', async () => {
    const first = await region.services.regions.register(info('region-a'));
    const second = await region.services.regions.register(info('region-b'));
    const get = (query: string) => region.request('GET', `${regions}?${query}`, { key: region.userKey });
    expect((await get('hostname=region-b')).json<Region[]>().map((r) => r.system_id)).toEqual([second]);
    expect((await get(`id=${first}&id=${second}`)).json<Region[]>().map((r) => r.system_id)).toEqual([
      first,
      second,
    ]);
    const refused = await get('mem=1024');
    expect(refused.statusCode).toBe(400);
    expect(Object.keys(refused.json<object>())).toEqual(['mem']);
  });

  it('needs credentials to list', async () => {
    expect((await region.request('GET', regions)).statusCode).toBe(401);
  });

  it('reads one region at its resource_uri, as listed', async () => {
    const id = await region.services.regions.register(info('region-one'));
    const [listed] = await list();
    const response = await region.request('GET', `${regions}${id}/`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(listed);
  });

  it('answers 404 for an unknown system_id', async () => {
    const response = await region.request('GET', `${regions}nosuch/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No RegionController matches the given query.');
  });

  it('shows a region silent for over a minute as dead', async () => {
    const id = await region.services.regions.register(info('region-quiet'));
    await silentFor(id, 90);
    const [shown] = await list();
    expect(shown?.service_set).toEqual([
      {
        name: 'regiond',
        status: 'dead',
        status_info: expect.stringMatching(/^Not heard from since /) as unknown,
      },
    ]);
  });

  it('forgets a region silent for over 10 minutes, and the next refresh removes its row', async () => {
    const gone = await region.services.regions.register(info('region-gone'));
    const live = await region.services.regions.register(info('region-live'));
    await silentFor(gone, 11 * 60);
    expect((await list()).map((r) => r.system_id)).toEqual([live]);
    expect((await region.request('GET', `${regions}${gone}/`, { key: region.userKey })).statusCode).toBe(404);
    expect(await rowOf(gone)).toBeDefined();
    expect(await region.services.regions.heartbeat(live)).toBe(true);
    expect(await rowOf(gone)).toBeUndefined();
  });

  it('answers is_registered anonymously: false for a MAC no node has, true for a machine’s', async () => {
    await region.services.regions.register(info('region-mac'));
    const mac = '52:54:00:12:34:56';
    const ask = (m: string) => region.request('GET', `${regions}?op=is_registered&mac_address=${m}`);
    expect((await ask(mac)).json()).toBe(false);
    const created = await region.request('POST', `${api}/machines/`, {
      key: region.adminKey,
      form: { architecture: 'amd64', mac_addresses: mac, power_type: 'manual' },
    });
    expect(created.statusCode, created.body).toBe(200);
    const answer = await ask(mac);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toBe(true);
    expect((await region.request('GET', `${regions}?op=is_registered`)).statusCode).toBe(400);
    const inProgress = await region.request('GET', `${regions}?op=is_action_in_progress&mac_address=${mac}`);
    expect(inProgress.statusCode).toBe(200);
    expect(typeof inProgress.json()).toBe('boolean');
  });

  it('refuses to delete a live region with 400, and keeps it', async () => {
    const id = await region.services.regions.register(info('region-live'));
    const response = await region.request('DELETE', `${regions}${id}/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(`Region controller region-live (${id}) is running`);
    expect((await list()).map((r) => r.system_id)).toEqual([id]);
  });

  it('deletes a dead region, and audits it', async () => {
    const id = await region.services.regions.register(info('region-crashed'));
    await silentFor(id, 120);
    const response = await region.request('DELETE', `${regions}${id}/`, { key: region.adminKey });
    expect(response.statusCode, response.body).toBe(204);
    expect(await rowOf(id)).toBeUndefined();
    expect((await region.request('GET', `${regions}${id}/`, { key: region.userKey })).statusCode).toBe(404);
    const events = await region.request('GET', `${api}/events/?op=query&level=AUDIT&owner=admin`, {
      key: region.adminKey,
    });
    expect(events.json<{ events: { description: string }[] }>().events.map((e) => e.description)).toContain(
      `Deleted region controller region-crashed (${id}).`,
    );
  });

  it('answers 404 to deleting an unknown region', async () => {
    expect((await region.request('DELETE', `${regions}nosuch/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
  });

  it('forbids a non-admin to delete a region', async () => {
    const id = await region.services.regions.register(info('region-kept'));
    await silentFor(id, 120);
    const response = await region.request('DELETE', `${regions}${id}/`, { key: region.userKey });
    expect(response.statusCode).toBe(403);
    expect(await rowOf(id)).toBeDefined();
  });
});

/** A logger that keeps the messages of its warnings. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = {
    info: () => undefined,
    warn: (_bindings: object, message: string) => warnings.push(message),
  } as unknown as Logger;
  return { logger, warnings };
}

describe(RegionPresence, () => {
  const service = () => new RegionControllerService({ db: region.database.db });

  it('registers on start, with what the process reports, and deregisters on stop', async () => {
    const presence = new RegionPresence({
      regions: service(),
      ...recordingLogger(),
      info: info('presence-a'),
    });
    await presence.start();
    const id = presence.systemId ?? '';
    expect(await rowOf(id)).toMatchObject({
      hostname: 'presence-a',
      version: '1.2.3',
      url: 'http://presence-a:5240/MAAS/',
    });
    expect((await list()).map((r) => r.system_id)).toEqual([id]);
    await presence.stop();
    expect(await rowOf(id)).toBeUndefined();
  });

  it('refreshes last_seen on its interval, bringing a silent row back to alive', async () => {
    const presence = new RegionPresence({
      regions: service(),
      ...recordingLogger(),
      info: info('presence-b'),
      intervalMs: 20,
    });
    await presence.start();
    const id = presence.systemId ?? '';
    await silentFor(id, 90);
    expect((await region.services.regions.get(id)).alive).toBe(false);
    await vi.waitFor(async () => {
      expect((await region.services.regions.get(id)).alive).toBe(true);
    });
    await presence.stop();
  });

  it('stops refreshing once stopped', async () => {
    const presence = new RegionPresence({
      regions: service(),
      ...recordingLogger(),
      info: info('presence-c'),
      intervalMs: 10,
    });
    await presence.start();
    const id = presence.systemId ?? '';
    await presence.stop();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await rowOf(id)).toBeUndefined();
  });

  it('registers again under the same system_id when its row was removed', async () => {
    const { logger, warnings } = recordingLogger();
    const presence = new RegionPresence({ regions: service(), logger, info: info('presence-d') });
    await presence.start();
    const id = presence.systemId ?? '';
    await region.database.db.deleteFrom('region_controllers').where('system_id', '=', id).execute();
    await presence.refresh();
    expect(presence.systemId).toBe(id);
    expect((await rowOf(id))?.hostname).toBe('presence-d');
    expect(warnings).toHaveLength(1);
    await presence.stop();
  });

  it('logs a failed registration instead of throwing, and registers at a later refresh', async () => {
    const { logger, warnings } = recordingLogger();
    const real = service();
    let failures = 1;
    const flaky = {
      register: (i: RegionInfo, systemId?: string) =>
        failures-- > 0 ? Promise.reject(new Error('database down')) : real.register(i, systemId),
      heartbeat: (systemId: string) => real.heartbeat(systemId),
      deregister: (systemId: string) => real.deregister(systemId),
    };
    const presence = new RegionPresence({ regions: flaky, logger, info: info('presence-e') });
    await expect(presence.start()).resolves.toBeUndefined();
    expect(presence.systemId).toBeUndefined();
    expect(warnings).toEqual(['could not register this region process; retrying at the next interval']);
    await presence.refresh();
    const id = presence.systemId ?? '';
    expect((await rowOf(id))?.hostname).toBe('presence-e');
    await presence.stop();
    expect(await rowOf(id)).toBeUndefined();
  });
});
