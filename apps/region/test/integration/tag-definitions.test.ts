import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  commissioningMachine,
  machineKey,
  maasScripts,
  runScript,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();
const tags = '/MAAS/api/2.0/tags/';

/** lshw -xml of a machine whose CPU has (or lacks) VT-x. */
const lshwOf = (hostname: string, vmx: boolean) =>
  `<?xml version="1.0" standalone="yes" ?>\n<list><node id="${hostname}" class="system"><node id="cpu:0" class="processor">` +
  `<capabilities>${vmx ? '<capability id="vmx">Virtual Machine Extensions</capability>' : ''}` +
  '<capability id="fpu">mathematical co-processor</capability></capabilities></node></node></list>\n';

/** A machine commissioned to Ready whose maas-lshw output is `lshw` (none when undefined). */
async function commissioned(hostname: string, lshw: string | undefined) {
  const machine = await commissioningMachine(region, hostname);
  const key = await machineKey(region, machine.system_id);
  const { index } = await maasScripts(region, key);
  const script = index['1.0'].commissioning_scripts.find((s) => s.name === 'maas-lshw');
  if (!script) throw new Error('no maas-lshw');
  if (lshw !== undefined) await runScript(region, key, script, { exitStatus: 0, stdout: lshw });
  expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
  return machine.system_id;
}

async function tagged(name: string): Promise<string[]> {
  const response = await region.request('GET', `${tags}${name}/?op=machines`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response
    .json<{ system_id: string }[]>()
    .map((m) => m.system_id)
    .sort();
}

async function saveTag(method: 'POST' | 'PUT', path: string, form: Record<string, string>) {
  const response = await region.request(method, path, { key: region.adminKey, form });
  expect(response.statusCode, response.body).toBe(200);
  await region.services.tagApplier.idle();
  return response.json<{ name: string; definition: string }>();
}

describe('tags with a definition (automatic tags)', () => {
  it('refuses a definition that is not XPath, naming the field', async () => {
    for (const definition of ['//node[@id=', '//nosuch:node', 'frobnicate()']) {
      const refused = await region.request('POST', tags, {
        key: region.adminKey,
        form: { name: 'broken', definition },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<Record<string, string[]>>()['definition']?.[0]).toMatch(
        /^Invalid xpath expression: /,
      );
    }
    expect((await region.request('GET', `${tags}broken/`, { key: region.adminKey })).statusCode).toBe(404);
  });

  it('tags exactly the machines whose details match, follows a new definition, and tags at commissioning', async () => {
    const withVmx = await commissioned('tagdef-vmx', lshwOf('tagdef-vmx', true));
    const without = await commissioned('tagdef-novmx', lshwOf('tagdef-novmx', false));
    const bare = await commissioned('tagdef-bare', undefined);

    const tag = await saveTag('POST', tags, {
      name: 'virt',
      comment: 'VT-x',
      definition: '//node[@class="processor"]/capabilities/capability[@id="vmx"]',
    });
    expect(tag.definition).toBe('//node[@class="processor"]/capabilities/capability[@id="vmx"]');
    expect(await tagged('virt')).toEqual([withVmx]);
    const machine = await region.request('GET', `${api}${withVmx}/`, { key: region.adminKey });
    expect(machine.json<{ tag_names: string[] }>().tag_names).toContain('virt');
    // Juju's constraint: tags=virt allocates that machine.
    const allocated = await region.request('POST', `${api}?op=allocate`, {
      key: region.adminKey,
      form: { tags: 'virt' },
    });
    expect(allocated.statusCode, allocated.body).toBe(200);
    expect(allocated.json<{ system_id: string }>().system_id).toBe(withVmx);

    // A new definition moves the tag; machines without details are evaluated too.
    await saveTag('PUT', `${tags}virt/`, { definition: 'not(//capability[@id="vmx"])' });
    expect(await tagged('virt')).toEqual([without, bare].sort());

    // A machine commissioned after is evaluated when its commissioning ends.
    const later = await commissioned('tagdef-later', lshwOf('tagdef-later', false));
    expect(await tagged('virt')).toContain(later);
    const laterVmx = await commissioned('tagdef-later-vmx', lshwOf('tagdef-later-vmx', true));
    expect(await tagged('virt')).not.toContain(laterVmx);
  });

  it('takes up at start a tag whose evaluation did not finish', async () => {
    const machine = await commissioned('tagdef-resume', lshwOf('tagdef-resume', true));
    await saveTag('POST', tags, { name: 'resumed', definition: '//capability[@id="vmx"]' });
    expect(await tagged('resumed')).toContain(machine);
    const db = region.database.db;
    const row = await db
      .selectFrom('tags')
      .select(['id', 'applied_definition'])
      .where('name', '=', 'resumed')
      .executeTakeFirstOrThrow();
    expect(row.applied_definition).toBe('//capability[@id="vmx"]');
    // As if the region had stopped midway: nothing applied yet.
    await db.updateTable('tags').set({ applied_definition: null }).where('id', '=', row.id).execute();
    await db.deleteFrom('machine_tags').where('tag_id', '=', row.id).execute();
    expect(await tagged('resumed')).toEqual([]);
    await region.services.tagApplier.resume();
    await region.services.tagApplier.idle();
    expect(await tagged('resumed')).toContain(machine);
  });
});
