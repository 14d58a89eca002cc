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

/** The elements of a BSON document whose values are binary (subtype 0) or null, as `details` sends. */
function readDetails(bson: Buffer): Record<string, Buffer | null> {
  expect(bson.readInt32LE(0)).toBe(bson.length);
  const out: Record<string, Buffer | null> = {};
  let at = 4;
  while (bson[at] !== 0) {
    const type = bson[at];
    const end = bson.indexOf(0, at + 1);
    const name = bson.toString('latin1', at + 1, end);
    at = end + 1;
    if (type === 0x0a) out[name] = null;
    else {
      expect(type).toBe(0x05);
      const length = bson.readInt32LE(at);
      expect(bson[at + 4]).toBe(0x00);
      out[name] = bson.subarray(at + 5, at + 5 + length);
      at += 5 + length;
    }
  }
  expect(at).toBe(bson.length - 1);
  return out;
}

async function details(systemId: string) {
  const response = await region.request('GET', `${api}${systemId}/?op=details`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toContain('application/bson');
  return readDetails(response.rawPayload);
}

describe('machines/{system_id}/?op=details', () => {
  it("answers the commissioning's lshw and LLDP output once those scripts passed, null before", async () => {
    const machine = await commissioningMachine(region, 'details-one');
    expect(await details(machine.system_id)).toEqual({ lshw: null, lldp: null });

    const key = await machineKey(region, machine.system_id);
    const { index } = await maasScripts(region, key);
    const script = (name: string) => {
      const found = index['1.0'].commissioning_scripts.find((s) => s.name === name);
      if (!found) throw new Error(`no ${name} in the commissioning set`);
      return found;
    };
    const lshw =
      '<?xml version="1.0" standalone="yes" ?>\n<list><node id="details-one" class="system"/></list>\n';
    await runScript(region, key, script('maas-lshw'), { exitStatus: 0, stdout: lshw, stderr: 'warning\n' });
    // LLDP failed: its output is not served.
    await runScript(region, key, script('maas-capture-lldpd'), { exitStatus: 1, stdout: '<lldp/>' });
    const first = await details(machine.system_id);
    expect(first['lshw']?.toString('utf8')).toBe(lshw);
    expect(first['lldp']).toBeNull();

    // The next commissioning's outputs replace them; until its lshw passes, there is none.
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    const again = await region.request('POST', `${api}${machine.system_id}/?op=commission`, {
      key: region.adminKey,
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(await details(machine.system_id)).toEqual({ lshw: null, lldp: null });
    const nextKey = await machineKey(region, machine.system_id);
    const next = (await maasScripts(region, nextKey)).index['1.0'].commissioning_scripts;
    const lldp = next.find((s) => s.name === 'maas-capture-lldpd');
    if (!lldp) throw new Error('no maas-capture-lldpd');
    await runScript(region, nextKey, lldp, { exitStatus: 0, stdout: '<lldp label="LLDP neighbors"/>\n' });
    expect((await details(machine.system_id))['lldp']?.toString()).toBe('<lldp label="LLDP neighbors"/>\n');
    // A machine that does not exist has no details.
    expect(
      (await region.request('GET', `${api}nosuch/?op=details`, { key: region.adminKey })).statusCode,
    ).toBe(404);
  });
});
