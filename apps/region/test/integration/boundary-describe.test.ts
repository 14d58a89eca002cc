// describe/ faces as MAAS's doc.py builds them, and the per-origin rendering cache.
import { describe, expect, it } from 'vitest';
import { DescriptionCache, describeApi, describeHash } from '../../src/http/maas/describe.js';
import { crud, operation, type HandlerDef } from '../../src/http/maas/handler.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';

interface Face {
  name: string;
  path: string;
  uri: string;
  actions: { name: string }[];
}
interface Served {
  resources: { name: string; anon: Face | null; auth: Face | null }[];
  handlers: Face[];
}

const run = () => null;
const handlers: HandlerDef[] = [
  {
    name: 'OpenHandler',
    doc: 'All anonymous.',
    path: '/open/',
    actions: [crud('read', 'anonymous', 'Read.', run), operation('peek', 'GET', 'anonymous', 'Peek.', run)],
  },
  {
    name: 'MixHandler',
    doc: 'Some anonymous.',
    path: '/mix/',
    actions: [crud('read', 'anonymous', 'Read.', run), crud('update', 'user', 'Update.', run)],
  },
  {
    name: 'ClosedHandler',
    doc: 'None anonymous.',
    path: '/closed/',
    actions: [crud('read', 'user', 'Read.', run), crud('delete', 'admin', 'Delete.', run)],
  },
];

describe(describeApi, () => {
  it('describes an all-anonymous handler as an anon face under its own name, with auth null', () => {
    const open = describeApi(handlers).resources.find((r) => r.name === 'OpenHandler');
    expect(open?.auth).toBeNull();
    expect(open?.anon).toMatchObject({
      name: 'OpenHandler',
      path: `${api}/open/`,
      actions: [{ name: 'peek' }, { name: 'read' }],
    });
  });

  it('gives a handler with some anonymous actions an Anon<Name> face and an auth face with every action', () => {
    const mix = describeApi(handlers).resources.find((r) => r.name === 'MixHandler');
    expect(mix?.anon).toMatchObject({ name: 'AnonMixHandler', actions: [{ name: 'read' }] });
    expect(mix?.auth).toMatchObject({ name: 'MixHandler', actions: [{ name: 'read' }, { name: 'update' }] });
  });

  it('gives a handler without anonymous actions no anon face', () => {
    const closed = describeApi(handlers).resources.find((r) => r.name === 'ClosedHandler');
    expect(closed?.anon).toBeNull();
    expect(closed?.auth?.name).toBe('ClosedHandler');
  });

  it('lists the legacy handlers as every anon face, then every auth face', () => {
    expect(describeApi(handlers).handlers.map((h) => h.name)).toEqual([
      'AnonMixHandler',
      'OpenHandler',
      'ClosedHandler',
      'MixHandler',
    ]);
  });
});

describe('GET describe/', () => {
  it('serves VersionHandler as MAAS does: anon under its own name, auth null', async () => {
    const served = (await region.request('GET', `${api}/describe/`)).json<Served>();
    const version = served.resources.find((r) => r.name === 'VersionHandler');
    expect(version?.auth).toBeNull();
    expect(version?.anon).toMatchObject({
      name: 'VersionHandler',
      path: `${api}/version/`,
      actions: [{ name: 'read' }],
    });
    const names = served.handlers.map((h) => h.name);
    expect(names.filter((n) => n.includes('VersionHandler'))).toEqual(['VersionHandler']);
    // The anon faces come first, then the auth ones, each in resource order.
    const anonFaces = served.resources.flatMap((r) => (r.anon ? [r.anon.name] : []));
    const authFaces = served.resources.flatMap((r) => (r.auth ? [r.auth.name] : []));
    expect(names).toEqual([...anonFaces, ...authFaces]);
  });

  it('renders the uris for the Host asked for, whichever Host asked before', async () => {
    for (const host of ['a.example:5240', 'b.example', 'a.example:5240', 'c.example']) {
      const served = (await region.request('GET', `${api}/describe/`, { headers: { host } })).json<Served>();
      expect(served.resources.find((r) => r.name === 'ZonesHandler')?.auth?.uri, host).toBe(
        `http://${host}${api}/zones/`,
      );
    }
  });
});

describe(DescriptionCache, () => {
  const description = describeApi(handlers);
  const hash = describeHash(description);

  it('renders an origin once and serves the same bytes after', () => {
    const cache = new DescriptionCache(description, hash);
    const first = cache.get('http://one');
    expect(cache.get('http://one')).toBe(first);
    const parsed = JSON.parse(first.toString('utf8')) as Served & { hash: string };
    expect(parsed.hash).toBe(hash);
    expect(parsed.handlers.map((h) => h.uri)).toContain(`http://one${api}/open/`);
  });

  it('keeps only a few origins, since any caller picks the Host header', () => {
    const cache = new DescriptionCache(description, hash, 4);
    for (let i = 0; i < 50; i++) cache.get(`http://host-${String(i)}`);
    expect(cache.size).toBe(4);
    const again = cache.get('http://host-0').toString('utf8');
    expect(again).toContain(`"uri":"http://host-0${api}/open/"`);
    expect(cache.size).toBe(4);
  });
});
