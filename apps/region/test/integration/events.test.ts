import { beforeAll, describe, expect, it } from 'vitest';
import { EventService } from '../../src/services/event-service.js';
import { oauthQuery } from '../support/oauth.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';
const query = `${api}/events/?op=query`;

interface Event {
  username: string | null;
  node: string | null;
  hostname: string;
  id: number;
  level: string;
  created: string;
  type: string;
  description: string;
}
interface Page {
  count: number;
  events: Event[];
  next_uri: string;
  prev_uri: string | null;
}

/** A page of events as the administrator sees it (everything), or as the user of `key` does. */
async function page(url: string, key = region.adminKey): Promise<Page> {
  const response = await region.request('GET', url, { key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page>();
}

describe('events/?op=query', () => {
  it("shows the audit events that API operations write, newest first, in MAAS's shape", async () => {
    await region.request('POST', `${api}/zones/`, { key: region.adminKey, form: { name: 'audited-zone' } });
    await region.request('POST', `${api}/tags/`, { key: region.adminKey, form: { name: 'audited-tag' } });
    await region.request('DELETE', `${api}/tags/audited-tag/`, { key: region.adminKey });
    const { events, count } = await page(`${query}&level=AUDIT&limit=3`);
    expect(count).toBe(3);
    expect(events.map((e) => e.description)).toEqual([
      "Deleted tag 'audited-tag'.",
      "Created tag 'audited-tag'.",
      "Created zone 'audited-zone'.",
    ]);
    const [newest] = events;
    expect(Object.keys(newest ?? {}).sort()).toEqual([
      'created',
      'description',
      'hostname',
      'id',
      'level',
      'node',
      'type',
      'username',
    ]);
    expect(newest).toMatchObject({ username: 'admin', node: null, level: 'AUDIT' });
    expect(newest?.created).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\. \d{4} \d{2}:\d{2}:\d{2}$/,
    );
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
  });

  describe('levels', () => {
    beforeAll(async () => {
      for (const level of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const) {
        await region.services.events.record({
          type: 'NODE_STATUS',
          level,
          description: `a ${level} event`,
          nodeHostname: 'leveled',
          nodeSystemId: 'lvl001',
        });
      }
    });

    const levelsOf = async (level?: string) =>
      (await page(`${query}&hostname=leveled${level !== undefined ? `&level=${level}` : ''}`)).events.map(
        (e) => e.level,
      );

    it('default to INFO and above, leaving out DEBUG and AUDIT', async () => {
      expect(await levelsOf()).toEqual(['CRITICAL', 'ERROR', 'WARNING', 'INFO']);
    });

    it('select that level and above', async () => {
      expect(await levelsOf('WARNING')).toEqual(['CRITICAL', 'ERROR', 'WARNING']);
      expect(await levelsOf('DEBUG')).toEqual(['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG']);
      expect(await levelsOf('CRITICAL')).toEqual(['CRITICAL']);
    });

    it('select audit events only with AUDIT', async () => {
      const levels = (await page(`${query}&level=AUDIT`)).events.map((e) => e.level);
      expect(levels.length).toBeGreaterThan(0);
      expect(new Set(levels)).toEqual(new Set(['AUDIT']));
    });

    it("answer an unknown level with MAAS's 400", async () => {
      const response = await region.request('GET', `${query}&level=LOUD`, { key: region.userKey });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe('Unrecognised log level: LOUD');
    });
  });

  describe('filters', () => {
    it('select events of nodes by hostname and by system id, each repeatable', async () => {
      await region.services.events.record({
        type: 'NODE_POWER_ON',
        level: 'INFO',
        description: 'on',
        nodeHostname: 'node-a',
        nodeSystemId: 'aaa111',
      });
      await region.services.events.record({
        type: 'NODE_POWER_ON',
        level: 'INFO',
        description: 'on',
        nodeHostname: 'node-b',
        nodeSystemId: 'bbb222',
      });
      await region.services.events.record({
        type: 'NODE_POWER_ON',
        level: 'INFO',
        description: 'on',
        nodeHostname: 'node-c',
        nodeSystemId: 'ccc333',
      });
      expect((await page(`${query}&hostname=node-a`)).events.map((e) => e.hostname)).toEqual(['node-a']);
      expect((await page(`${query}&hostname=node-a&hostname=node-c`)).events.map((e) => e.hostname)).toEqual([
        'node-c',
        'node-a',
      ]);
      const byId = (await page(`${query}&id=bbb222`)).events;
      expect(byId.map((e) => [e.node, e.hostname])).toEqual([['bbb222', 'node-b']]);
    });

    it('select events by the username that caused them with owner', async () => {
      await region.request('POST', `${api}/account/?op=create_authorisation_token`, {
        key: region.userKey,
        form: { name: 'owned' },
      });
      const events = (await page(`${query}&level=AUDIT&owner=alice`)).events;
      expect(events.length).toBeGreaterThan(0);
      expect(new Set(events.map((e) => e.username))).toEqual(new Set(['alice']));
      expect((await page(`${query}&level=AUDIT&owner=nobody`)).count).toBe(0);
    });

    it('match nothing by machine properties when no machine has them', async () => {
      expect((await page(`${query}&level=DEBUG&zone=default`)).count).toBe(0);
      expect((await page(`${query}&level=DEBUG&mac_address=52:54:00:00:00:01`)).count).toBe(0);
    });
  });

  describe('visibility', () => {
    beforeAll(async () => {
      await region.request('POST', `${api}/users/`, {
        key: region.adminKey,
        form: { username: 'bob', email: 'bob@example.com', password: 'bob-pass' },
      });
      await region.request('POST', `${api}/maas/?op=set_config`, {
        key: region.adminKey,
        form: { name: 'http_proxy', value: 'http://user:s3cret@proxy/' },
      });
      await region.request('POST', `${api}/account/?op=create_authorisation_token`, {
        key: region.userKey,
        form: { name: 'alice-visible' },
      });
      await region.services.events.record({
        type: 'NODE_POWER_ON',
        level: 'INFO',
        description: 'on',
        nodeHostname: 'hidden-node',
        nodeSystemId: 'hid001',
      });
    });

    it('shows a normal user only the events they caused', async () => {
      const alice = await page(`${query}&level=AUDIT&limit=1000`, region.userKey);
      expect(alice.events.map((e) => e.description)).toContain("Created token 'alice-visible'.");
      expect(new Set(alice.events.map((e) => e.username))).toEqual(new Set(['alice']));
      expect(JSON.stringify(alice)).not.toMatch(/bob|http_proxy|s3cret/);
    });

    it('shows a normal user no node events while no machines exist', async () => {
      expect((await page(`${query}&hostname=hidden-node`, region.userKey)).count).toBe(0);
      expect((await page(`${query}&id=hid001&level=DEBUG`, region.userKey)).count).toBe(0);
    });

    it('gives a normal user nothing when filtering by another owner', async () => {
      expect((await page(`${query}&level=AUDIT&owner=admin`, region.userKey)).count).toBe(0);
      expect((await page(`${query}&level=AUDIT&owner=alice`, region.userKey)).count).toBeGreaterThan(0);
    });

    it('shows an administrator every event', async () => {
      const admin = await page(`${query}&level=AUDIT&limit=1000`);
      expect(new Set(admin.events.map((e) => e.username))).toEqual(new Set(['admin', 'alice']));
      expect(admin.events.map((e) => e.description)).toContain("Created user 'bob'.");
      expect((await page(`${query}&hostname=hidden-node`)).events.map((e) => e.node)).toEqual(['hid001']);
    });

    it('shows a normal user the node events the node-visibility rule grants, besides their own', async () => {
      // The seam the machines work fills in: here a rule granting one node.
      const events = new EventService(region.database.db, (eb) => eb('node_system_id', '=', 'hid001'));
      const alice = await region.services.users.get('alice');
      const rows = await events.query(alice, { level: 'DEBUG', limit: 1000 });
      expect(rows.filter((r) => r.username !== 'alice').map((r) => r.node_system_id)).toEqual(['hid001']);
      const audit = await events.query(alice, { level: 'AUDIT', limit: 1000 });
      expect(new Set(audit.map((r) => r.username))).toEqual(new Set(['alice']));
    });
  });

  describe('limits', () => {
    it('return at most limit events', async () => {
      expect((await page(`${query}&level=DEBUG&limit=2`)).count).toBe(2);
    });

    it('treat a limit below 1 as 1, as MAAS does', async () => {
      expect((await page(`${query}&level=DEBUG&limit=0`)).count).toBe(1);
    });

    it('refuse a limit above 1000', async () => {
      const response = await region.request('GET', `${query}&limit=1001`, { key: region.userKey });
      expect(response.statusCode).toBe(400);
      expect(response.body).toBe('Requested number of events 1001 is greater than limit: 1000');
    });

    it('refuse limit, before and after that are not whole numbers, naming them', async () => {
      for (const param of ['limit', 'before', 'after']) {
        const response = await region.request('GET', `${query}&${param}=soon`, { key: region.userKey });
        expect(response.statusCode, param).toBe(400);
        expect(Object.keys(response.json<object>())).toEqual([param]);
      }
    });

    it('refuse before and after together', async () => {
      const response = await region.request('GET', `${query}&before=10&after=5`, { key: region.userKey });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('paging', () => {
    const ids: number[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 25; i++) {
        await region.services.events.record({
          type: 'NODE_STATUS',
          level: 'INFO',
          description: `page event ${i}`,
          nodeHostname: 'pager',
        });
      }
      const all = await page(`${query}&hostname=pager&limit=100`);
      ids.push(...all.events.map((e) => e.id));
      expect(ids).toHaveLength(25);
    });

    it('walks to older events through prev_uri and back to newer ones through next_uri', async () => {
      const first = await page(`${query}&hostname=pager&limit=10`);
      expect(first.events.map((e) => e.id)).toEqual(ids.slice(0, 10));
      expect(first.prev_uri).not.toBeNull();
      const second = await page(first.prev_uri ?? '');
      expect(second.events.map((e) => e.id)).toEqual(ids.slice(10, 20));
      const third = await page(second.prev_uri ?? '');
      expect(third.events.map((e) => e.id)).toEqual(ids.slice(20, 25));
      const back = await page(third.next_uri);
      expect(back.events.map((e) => e.id)).toEqual(ids.slice(10, 20));
      const none = await page(third.prev_uri ?? '');
      expect(none.count).toBe(0);
    });

    it('keeps the filters and limit in the paging URIs', async () => {
      const first = await page(`${query}&hostname=pager&limit=10`);
      const prev = new URL(first.prev_uri ?? '', 'http://x').searchParams;
      expect(prev.get('op')).toBe('query');
      expect(prev.get('hostname')).toBe('pager');
      expect(prev.get('limit')).toBe('10');
      expect(prev.get('before')).toBe(String(ids[9]));
      const next = new URL(first.next_uri, 'http://x').searchParams;
      expect(next.get('after')).toBe(String(ids[0]));
      expect(next.has('before')).toBe(false);
    });

    it('reads events after an id oldest-first, then shows them newest first', async () => {
      const oldest = ids.at(-1) ?? 0;
      const after = await page(`${query}&hostname=pager&limit=3&after=${oldest}`);
      expect(after.events.map((e) => e.id)).toEqual(ids.slice(21, 24));
    });

    it('has no prev_uri when nothing older can exist', async () => {
      const empty = await page(`${query}&hostname=no-such-node`);
      expect(empty).toMatchObject({ count: 0, events: [], prev_uri: null });
      expect(empty.next_uri).toMatch(/^\/MAAS\/api\/2\.0\/events\/\?/);
    });

    it('never copies OAuth parameters into paging URIs, so that following them is not a replay', async () => {
      const url = `${query}&hostname=pager&limit=10&${oauthQuery(region.adminKey).toString()}`;
      const response = await region.request('GET', url);
      expect(response.statusCode).toBe(200);
      const body = response.json<Page>();
      expect(body.prev_uri).not.toMatch(/oauth_/);
      expect(body.next_uri).not.toMatch(/oauth_/);
      const followed = await page(body.prev_uri ?? '');
      expect(followed.events.map((e) => e.id)).toEqual(ids.slice(10, 20));
    });
  });
});
