import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const tags = '/MAAS/api/2.0/tags/';

interface Tag {
  name: string;
  definition: string;
  comment: string;
  kernel_opts: string;
  resource_uri: string;
}

function createTag(form: Record<string, string>) {
  return region.request('POST', tags, { key: region.adminKey, form });
}

describe('tags/', () => {
  it('starts empty', async () => {
    const response = await region.request('GET', tags, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });

  it("creates a manual tag with MAAS's fields", async () => {
    const response = await createTag({ name: 'gpu', comment: 'Has an NVIDIA GPU', kernel_opts: 'nomodeset' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      name: 'gpu',
      definition: '',
      comment: 'Has an NVIDIA GPU',
      kernel_opts: 'nomodeset',
      resource_uri: `${tags}gpu/`,
    });
    const listed = await region.request('GET', tags, { key: region.userKey });
    expect(listed.json<Tag[]>().map((t) => t.name)).toContain('gpu');
  });

  it('keeps a valid XPath definition and refuses an invalid one with a 400 that says why', async () => {
    const saved = await createTag({ name: 'auto-tag', definition: '  //node[@class="system"] ' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ name: 'auto-tag', definition: '//node[@class="system"]' });
    const response = await createTag({ name: 'bad-auto', definition: '//node[@class=' });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ definition: string[] }>();
    expect(Object.keys(body)).toEqual(['definition']);
    expect(body.definition[0]).toMatch(/^Invalid xpath expression: /);
    expect((await region.request('GET', `${tags}bad-auto/`, { key: region.userKey })).statusCode).toBe(404);
  });

  it('treats a blank definition as a manual tag', async () => {
    const response = await createTag({ name: 'blank-def', definition: '   ' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'blank-def', definition: '' });
  });

  it.each(['with space', 'dot.ted', 'slash/ed', 'zoë', ''])(
    'rejects the name %j naming the field',
    async (name) => {
      const response = await createTag({ name });
      expect(response.statusCode).toBe(400);
      expect(Object.keys(response.json<object>())).toEqual(['name']);
    },
  );

  it('reports a bad name and a definition together', async () => {
    const response = await createTag({ name: 'bad name', definition: '//x[' });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<object>()).sort()).toEqual(['definition', 'name']);
  });

  it('rejects a duplicate name', async () => {
    await createTag({ name: 'twice' });
    const response = await createTag({ name: 'twice' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['Tag with this Name already exists.'] });
  });
});

describe('tags/{name}/', () => {
  it('reads a tag', async () => {
    await createTag({ name: 'readable', comment: 'c' });
    const response = await region.request('GET', `${tags}readable/`, { key: region.userKey });
    expect(response.json()).toMatchObject({ name: 'readable', comment: 'c' });
  });

  it('answers 404 for an unknown tag', async () => {
    const response = await region.request('GET', `${tags}no-such-tag/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No Tag matches the given query.');
  });

  it('updates comment and kernel options, keeping what is not given', async () => {
    await createTag({ name: 'tuned', comment: 'old', kernel_opts: 'quiet' });
    const response = await region.request('PUT', `${tags}tuned/`, {
      key: region.adminKey,
      form: { comment: 'new' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'tuned', comment: 'new', kernel_opts: 'quiet' });
    const cleared = await region.request('PUT', `${tags}tuned/`, {
      key: region.adminKey,
      form: { kernel_opts: '' },
    });
    expect(cleared.json()).toMatchObject({ comment: 'new', kernel_opts: '' });
  });

  it('renames a tag, which moves its resource_uri', async () => {
    await createTag({ name: 'old-name' });
    const response = await region.request('PUT', `${tags}old-name/`, {
      key: region.adminKey,
      form: { name: 'new-name' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'new-name', resource_uri: `${tags}new-name/` });
    expect((await region.request('GET', `${tags}old-name/`, { key: region.userKey })).statusCode).toBe(404);
    expect((await region.request('GET', `${tags}new-name/`, { key: region.userKey })).statusCode).toBe(200);
  });

  it('refuses a rename onto an existing tag, an invalid name, or an invalid definition', async () => {
    await createTag({ name: 'keep-a' });
    await createTag({ name: 'keep-b' });
    const onto = await region.request('PUT', `${tags}keep-a/`, {
      key: region.adminKey,
      form: { name: 'keep-b' },
    });
    expect(onto.statusCode).toBe(400);
    expect(onto.json()).toEqual({ name: ['Tag with this Name already exists.'] });
    const invalid = await region.request('PUT', `${tags}keep-a/`, {
      key: region.adminKey,
      form: { name: 'bad name' },
    });
    expect(invalid.statusCode).toBe(400);
    const definition = await region.request('PUT', `${tags}keep-a/`, {
      key: region.adminKey,
      form: { definition: '//cpu[' },
    });
    expect(definition.statusCode).toBe(400);
    expect((await region.request('GET', `${tags}keep-a/`, { key: region.userKey })).json()).toMatchObject({
      name: 'keep-a',
      definition: '',
    });
  });

  it('answers 404 when updating an unknown tag', async () => {
    const response = await region.request('PUT', `${tags}ghost/`, {
      key: region.adminKey,
      form: { comment: 'x' },
    });
    expect(response.statusCode).toBe(404);
  });

  it('deletes a tag with 204', async () => {
    await createTag({ name: 'doomed' });
    const response = await region.request('DELETE', `${tags}doomed/`, { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', `${tags}doomed/`, { key: region.userKey })).statusCode).toBe(404);
    expect((await region.request('DELETE', `${tags}doomed/`, { key: region.adminKey })).statusCode).toBe(404);
  });

  it('creates exactly one of many concurrent creates of one name, without a 500', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => createTag({ name: 'raced' })));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(9);
  });
});
