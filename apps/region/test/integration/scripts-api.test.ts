import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { multipart } from './metadata-fixtures.js';

const region = useTestRegion();
const scripts = '/MAAS/api/2.0/scripts/';

interface ScriptJson {
  id: number;
  name: string;
  script_type: number;
  type_name: string;
  hardware_type: number;
  timeout: string;
  tags: string[];
  default: boolean;
  parameters: Record<string, unknown>;
  history: { id: number; comment: string; created: string }[];
}

const text = (body: string) => `#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: check-fans
# title: Fan check
# script_type: testing
# hardware_type: node
# timeout: 00:02:00
# tags: [hardware]
# parameters: {speed: {type: string, default: low}}
# --- End MAAS 1.0 script metadata ---
${body}
`;

function upload(
  method: string,
  url: string,
  fields: Record<string, string>,
  script?: string,
  key = region.adminKey,
) {
  const { body, contentType } = multipart([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...(script === undefined ? [] : [{ name: 'script', value: script, file: true }]),
  ]);
  return region.request(method, url, { key, body, headers: { 'content-type': contentType } });
}

describe('scripts/', () => {
  it('uploads, updates, keeps history, downloads, reverts and deletes a script', async () => {
    const first = text('echo fans ok');
    const created = await upload('POST', scripts, { timeout: '90', comment: 'first' }, first);
    expect(created.statusCode, created.body).toBe(200);
    const script = created.json<ScriptJson>();
    expect(script).toMatchObject({
      name: 'check-fans',
      script_type: 2,
      type_name: 'Testing script',
      timeout: '0:01:30',
      tags: ['hardware'],
      default: false,
      parameters: { speed: { type: 'string', default: 'low' } },
    });
    expect(script.history).toHaveLength(1);

    const second = text('echo fans still ok');
    const updated = await upload('PUT', `${scripts}check-fans/`, { comment: 'second' }, second);
    expect(updated.statusCode, updated.body).toBe(200);
    const history = updated.json<ScriptJson>().history;
    expect(history.map((h) => h.comment)).toEqual(['second', 'first']);
    expect(history[0]?.created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} -0000$/);

    const current = await region.request('GET', `${scripts}check-fans/?op=download`, { key: region.userKey });
    expect(current.body).toBe(second);
    const old = await region.request(
      'GET',
      `${scripts}${String(script.id)}/?op=download&revision=${String(history[1]?.id)}`,
      {
        key: region.userKey,
      },
    );
    expect(old.body).toBe(first);

    const reverted = await region.request('POST', `${scripts}check-fans/?op=revert`, {
      key: region.adminKey,
      form: { to: '-1' },
    });
    expect(reverted.statusCode, reverted.body).toBe(200);
    expect(reverted.json<ScriptJson>().history.map((h) => h.comment)).toEqual(['first']);
    expect(
      (await region.request('GET', `${scripts}check-fans/?op=download`, { key: region.adminKey })).body,
    ).toBe(first);

    const tagged = await region.request('POST', `${scripts}check-fans/?op=add_tag`, {
      key: region.adminKey,
      form: { tag: 'fans' },
    });
    expect(tagged.json<ScriptJson>().tags).toEqual(['hardware', 'fans']);
    const untagged = await region.request('POST', `${scripts}check-fans/?op=remove_tag`, {
      key: region.adminKey,
      form: { tag: 'hardware' },
    });
    expect(untagged.json<ScriptJson>().tags).toEqual(['fans']);

    const deleted = await region.request('DELETE', `${scripts}check-fans/`, { key: region.adminKey });
    expect(deleted.statusCode).toBe(204);
    expect((await region.request('GET', `${scripts}check-fans/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
  });

  it('names the field of what is wrong', async () => {
    const badType = await upload(
      'POST',
      scripts,
      { name: 'x-bad-type', type: 'sometimes' },
      '#!/bin/sh\ntrue\n',
    );
    expect(badType.statusCode).toBe(400);
    expect(badType.json<Record<string, unknown>>()).toHaveProperty('type');
    const badTimeout = await upload(
      'POST',
      scripts,
      { name: 'x-bad-timeout', timeout: 'soon' },
      '#!/bin/sh\n',
    );
    expect(badTimeout.json<Record<string, unknown>>()).toHaveProperty('timeout');
    const noScript = await upload('POST', scripts, { name: 'x-no-script' });
    expect(noScript.json<Record<string, unknown>>()).toHaveProperty('script');
    const badHeader = await upload(
      'POST',
      scripts,
      {},
      '#!/bin/sh\n# --- Start MAAS 1.0 script metadata ---\n# name: x\n',
    );
    expect(badHeader.json<Record<string, unknown>>()).toHaveProperty('script');
    expect((await upload('POST', scripts, { name: 'x-dup' }, '#!/bin/sh\n')).statusCode).toBe(200);
    const duplicate = await upload('POST', scripts, { name: 'x-dup' }, '#!/bin/sh\n');
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json<Record<string, string[]>>()['name']?.[0]).toContain('already exists');
  });

  it('lets users read and only administrators write', async () => {
    expect((await region.request('GET', scripts, { key: region.userKey })).statusCode).toBe(200);
    expect(
      (await upload('POST', scripts, { name: 'x-user' }, '#!/bin/sh\n', region.userKey)).statusCode,
    ).toBe(403);
    const del = await region.request('DELETE', `${scripts}x-dup/`, { key: region.userKey });
    expect(del.statusCode).toBe(403);
  });

  it('lists the built-in scripts, filtered, and keeps them from deletion and revert', async () => {
    const testing = await region.request('GET', `${scripts}?type=testing`, { key: region.adminKey });
    const names = testing.json<ScriptJson[]>().map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['smartctl-validate', 'memtester', 'fio', 'internet-connectivity']),
    );
    expect(names).not.toContain('50-maas-01-commissioning');
    const bmc = await region.request('GET', `${scripts}?filters=bmc-config`, { key: region.adminKey });
    expect(bmc.json<ScriptJson[]>().map((s) => s.name)).toEqual(['30-maas-01-bmc-config']);
    const validate = await region.request('GET', `${scripts}smartctl-validate/`, { key: region.adminKey });
    expect(validate.json<ScriptJson>()).toMatchObject({
      default: true,
      hardware_type: 3,
      timeout: '0:05:00',
      tags: ['storage', 'commissioning'],
    });
    expect(
      (await region.request('DELETE', `${scripts}smartctl-validate/`, { key: region.adminKey })).statusCode,
    ).toBe(400);
    const revert = await region.request('POST', `${scripts}smartctl-validate/?op=revert`, {
      key: region.adminKey,
      form: { to: '-1' },
    });
    expect(revert.statusCode).toBe(400);
    // Seeding again (a second region starting) changes nothing.
    expect(await region.services.scripts.ensureBuiltins()).toEqual({ created: [], updated: [], clashes: [] });
  });
});
