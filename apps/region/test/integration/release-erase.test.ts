import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  deployingMachine,
  machineJson,
  machineKey,
  maasScripts,
  md,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();

/** A machine deployed by the admin (commissioned, allocated, deploy, the deployment's end). */
async function deployedMachine(hostname: string) {
  const machine = await deployingMachine(region, hostname);
  await region.services.lifecycle.report(machine.system_id, 'succeeded');
  expect((await machineJson(region, machine.system_id)).status_name).toBe('Deployed');
  return machine;
}

async function release(systemId: string, form: Record<string, string> = {}) {
  const released = await region.request('POST', `${api}${systemId}/?op=release`, {
    key: region.adminKey,
    form,
  });
  expect(released.statusCode, released.body).toBe(200);
  return released.json<{ status_name: string }>();
}

interface ReleaseSet {
  results: { name: string; status_name: string; parameters: Record<string, { value: unknown }> }[];
}

describe('release with erase', () => {
  it('erases the disks in the ephemeral environment first, then releases: Disk erasing → Releasing → Ready', async () => {
    const machine = await deployedMachine('erase-me');
    const systemId = machine.system_id;
    expect((await release(systemId, { erase: 'true', quick_erase: 'true' })).status_name).toBe(
      'Disk erasing',
    );
    const json = await machineJson(region, systemId);
    expect(json.netboot).toBe(true);

    // The machine's credentials are fresh; maas-scripts holds wipe-disks with the options chosen.
    const key = await machineKey(region, systemId);
    const { index } = await maasScripts(region, key);
    const scripts = index['1.0'].release_scripts ?? [];
    expect(scripts.map((s) => s.name)).toEqual(['wipe-disks']);
    expect(scripts[0]?.parameters).toMatchObject({
      quick_erase: { value: 'true', argument_format: '--quick-erase' },
      // Not given: the configuration's disk_erase_with_secure_erase (on by default, as MAAS).
      secure_erase: { value: 'true', argument_format: '--secure-erase' },
    });
    const userData = await region.request('GET', `${md}/latest/user-data`, { key });
    expect(userData.body).toContain('STATUS = "DISK_ERASING"');

    const id = String(scripts[0]?.script_result_id);
    expect(
      (await signal(region, key, { status: 'WORKING', name: 'wipe-disks', script_result_id: id })).statusCode,
    ).toBe(200);
    const done = await signal(
      region,
      key,
      { status: 'WORKING', name: 'wipe-disks', script_result_id: id, exit_status: '0' },
      { 'wipe-disks': 'Erasing /dev/sda\n/dev/sda: quick erase done\n' },
    );
    expect(done.statusCode, done.body).toBe(200);
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    // Disks erased: the release goes on as any does, from powering off (a manual machine's
    // power work is done at once, so it is Ready already).
    expect((await machineJson(region, systemId)).status_name).toBe('Ready');

    const results = await region.request('GET', `/MAAS/api/2.0/nodes/${systemId}/results/current-release/`, {
      key: region.adminKey,
    });
    expect(results.statusCode, results.body).toBe(200);
    expect(results.json<ReleaseSet>().results.map((r) => [r.name, r.status_name])).toEqual([
      ['wipe-disks', 'Passed'],
    ]);
    const events = await region.request('GET', `/MAAS/api/2.0/events/?op=query&id=${systemId}`, {
      key: region.adminKey,
    });
    const types = events
      .json<{ events: { type: string }[] }>()
      .events.map((e) => e.type)
      .reverse();
    const from = types.lastIndexOf('Disk erasing');
    expect(types.slice(from)).toEqual(['Disk erasing', 'Disks erased', 'Releasing', 'Ready']);
  });

  it('fails the release when erasing fails, and keeps the machine for the administrator', async () => {
    const { system_id: systemId } = await deployedMachine('erase-fails');
    await release(systemId, { erase: '1', secure_erase: 'false' });
    const key = await machineKey(region, systemId);
    const [wipe] = (await maasScripts(region, key)).index['1.0'].release_scripts ?? [];
    expect(wipe?.parameters).toMatchObject({
      secure_erase: { value: 'false' },
      quick_erase: { value: 'false' },
    });
    await signal(
      region,
      key,
      {
        status: 'WORKING',
        name: 'wipe-disks',
        script_result_id: String(wipe?.script_result_id),
        exit_status: '1',
      },
      { 'wipe-disks': 'dd: error writing /dev/sda: Input/output error\n' },
    );
    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    const failed = await machineJson(region, systemId);
    expect(failed.status_name).toBe('Failed disk erasing');
    expect(failed.error_description).toBe('Failed to erase disks.');
  });

  it('erases on every release when enable_disk_erasing_on_release is set, and not otherwise', async () => {
    const plain = await deployedMachine('erase-not');
    // A manual machine's power off is done at once: it is Ready as the release answers.
    expect((await release(plain.system_id)).status_name).toBe('Ready');

    const set = await region.request('POST', '/MAAS/api/2.0/maas/?op=set_config', {
      key: region.adminKey,
      form: { name: 'enable_disk_erasing_on_release', value: 'true' },
    });
    expect(set.statusCode, set.body).toBe(200);
    try {
      const always = await deployedMachine('erase-always');
      // erase=false does not override the configuration: MAAS forces erasing then too.
      expect((await release(always.system_id, { erase: 'false' })).status_name).toBe('Disk erasing');
      const abort = await region.request('POST', `${api}${always.system_id}/?op=abort`, {
        key: region.adminKey,
      });
      expect(abort.statusCode, abort.body).toBe(200);
      expect((await machineJson(region, always.system_id)).status_name).toBe('Failed disk erasing');
    } finally {
      await region.request('POST', '/MAAS/api/2.0/maas/?op=set_config', {
        key: region.adminKey,
        form: { name: 'enable_disk_erasing_on_release', value: 'false' },
      });
    }
  });

  it('refuses an erase option that is not a boolean, naming it, and releases nothing', async () => {
    const { system_id: systemId } = await deployedMachine('erase-bad');
    const refused = await region.request('POST', `${api}${systemId}/?op=release`, {
      key: region.adminKey,
      form: { erase: 'perhaps' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('erase');
    expect((await machineJson(region, systemId)).status_name).toBe('Deployed');
  });

  it('moves the deadline ahead on each heartbeat, however long the erasing takes', async () => {
    const { system_id: systemId } = await deployedMachine('erase-long');
    await release(systemId, { erase: 'true' });
    const key = await machineKey(region, systemId);
    const db = region.database.db;
    const soon = new Date(Date.now() + 30_000);
    await db
      .updateTable('machines')
      .set({ status_expires: soon })
      .where('system_id', '=', systemId)
      .execute();
    // The runner's heartbeat: a bare WORKING signal while wipe-disks runs.
    expect((await signal(region, key, { status: 'WORKING' })).statusCode).toBe(200);
    const row = await db
      .selectFrom('machines')
      .select(['status_expires'])
      .where('system_id', '=', systemId)
      .executeTakeFirstOrThrow();
    // node_timeout (30 minutes) from now.
    expect(row.status_expires?.getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect((await machineJson(region, systemId)).status_name).toBe('Disk erasing');
  });
});
