import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/services.js';
import { useTestRegion } from '../support/test-region.js';
import { testSecrets } from '../support/test-secrets.js';
import { validFakeLicenseKey } from '../support/fake-racks.js';

// license-keys/ and the OS check of deploy and allocate, against the test region's fake racks:
// Ubuntu noble/jammy, and Windows win2022 (which takes a license key).
const region = useTestRegion();
const keys = '/MAAS/api/2.0/license-keys/';
const machines = '/MAAS/api/2.0/machines/';

describe('license-keys/', () => {
  it('takes a valid key for a release that needs one, and reads, changes and deletes it', async () => {
    const created = await region.request('POST', keys, {
      key: region.adminKey,
      form: { osystem: 'windows', distro_series: 'win2022', license_key: validFakeLicenseKey },
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toEqual({
      osystem: 'windows',
      distro_series: 'win2022',
      license_key: validFakeLicenseKey,
      resource_uri: '/MAAS/api/2.0/license-key/windows/win2022',
    });
    expect((await region.request('GET', keys, { key: region.adminKey })).json()).toHaveLength(1);
    // As MAAS writes the URL (no trailing slash), and as gomaasclient does (with one).
    for (const path of [
      '/MAAS/api/2.0/license-key/windows/win2022',
      '/MAAS/api/2.0/license-key/windows/win2022/',
    ]) {
      const read = await region.request('GET', path, { key: region.adminKey });
      expect(read.statusCode).toBe(200);
    }
    const invalid = await region.request('PUT', '/MAAS/api/2.0/license-key/windows/win2022', {
      key: region.adminKey,
      form: { license_key: 'nope' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({ __all__: ['Invalid license key.'] });
    const duplicate = await region.request('POST', keys, {
      key: region.adminKey,
      form: { distro_series: 'windows/win2022', license_key: validFakeLicenseKey },
    });
    expect(duplicate.json()).toEqual({
      __all__: ['License key with this operating system and distro series already exists.'],
    });
    for (let i = 0; i < 2; i++) {
      const deleted = await region.request('DELETE', '/MAAS/api/2.0/license-key/windows/win2022', {
        key: region.adminKey,
      });
      expect(deleted.statusCode).toBe(204);
    }
    const gone = await region.request('GET', '/MAAS/api/2.0/license-key/windows/win2022', {
      key: region.adminKey,
    });
    expect(gone.statusCode).toBe(404);
  });

  it('refuses what no rack offers, an invalid key and missing fields, with MAAS messages', async () => {
    const post = (form: Record<string, string>) =>
      region.request('POST', keys, { key: region.adminKey, form });
    expect(
      (await post({ osystem: 'foo', distro_series: 'win2022', license_key: validFakeLicenseKey })).json(),
    ).toEqual({
      osystem: ["'foo' is not a valid osystem.  It should be one of: 'windows'."],
      distro_series: ["'foo/win2022' is not a valid distro_series.  It should be one of: 'windows/win2022'."],
    });
    // Ubuntu needs no key, so it is no choice here.
    expect(
      (await post({ osystem: 'ubuntu', distro_series: 'noble', license_key: validFakeLicenseKey }))
        .statusCode,
    ).toBe(400);
    expect(
      (await post({ osystem: 'windows', distro_series: 'win2022', license_key: 'ABCDE' })).json(),
    ).toEqual({
      __all__: ['Invalid license key.'],
    });
    expect((await post({})).json()).toEqual({
      osystem: ['This field is required.'],
      distro_series: ['This field is required.'],
      license_key: ['This field is required.'],
    });
  });

  it('is for administrators only', async () => {
    expect((await region.request('GET', keys, { key: region.userKey })).statusCode).toBe(403);
  });
});

let macs = 0;
async function readyMachine(hostname: string): Promise<string> {
  macs++;
  const created = await region.request('POST', machines, {
    key: region.adminKey,
    form: {
      architecture: 'amd64',
      mac_addresses: `52:54:00:bb:00:${macs.toString(16).padStart(2, '0')}`,
      power_type: 'manual',
      hostname,
    },
  });
  expect(created.statusCode, created.body).toBe(200);
  const systemId = created.json<{ system_id: string }>().system_id;
  await region.services.lifecycle.report(systemId, 'succeeded');
  return systemId;
}

const statusOf = async (systemId: string) =>
  (await region.request('GET', `${machines}${systemId}/`, { key: region.adminKey })).json<{
    status_name: string;
  }>().status_name;

describe('the OS in deployment and allocation', () => {
  it('deploys what a connected rack can install, written as MAAS allows', async () => {
    for (const [n, form] of [
      ['01', {}],
      ['02', { distro_series: 'jammy' }],
      ['03', { distro_series: 'ubuntu/jammy' }],
      ['04', { osystem: 'windows', distro_series: 'win2022' }],
      // A bare release names its OS, as Juju deploys it.
      ['05', { distro_series: 'win2022' }],
    ] as const) {
      const id = await readyMachine(`os-ok-${n}`);
      const response = await region.request('POST', `${machines}${id}/?op=deploy`, {
        key: region.adminKey,
        form,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<{ status_name: string }>().status_name).toBe('Deploying');
    }
  });

  it('refuses an OS or release no rack can install, and leaves the machine Ready', async () => {
    const id = await readyMachine('os-bad-01');
    const cases: [Record<string, string>, Record<string, string[]>][] = [
      [
        { distro_series: 'xenial' },
        {
          distro_series: [
            "'xenial' is not a valid distro_series.  It should be one of: 'ubuntu/noble', 'ubuntu/jammy', 'windows/win2022*'.",
          ],
        },
      ],
      [
        { osystem: 'centos' },
        { osystem: ["'centos' is not a valid osystem.  It should be one of: 'ubuntu', 'windows'."] },
      ],
      [
        { osystem: 'windows', distro_series: 'win2022', license_key: 'bad' },
        { license_key: ['Invalid license key.'] },
      ],
      [
        { osystem: 'ubuntu', distro_series: 'windows/win2022' },
        { distro_series: ['windows/win2022 is not a release of ubuntu.'] },
      ],
    ];
    for (const [form, body] of cases) {
      const response = await region.request('POST', `${machines}${id}/?op=deploy`, {
        key: region.adminKey,
        form,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(body);
    }
    expect(await statusOf(id)).toBe('Ready');
  });

  it('allocates only for an OS a rack can install, when one is asked for', async () => {
    const id = await readyMachine('os-alloc-01');
    const refused = await region.request('POST', `${machines}?op=allocate`, {
      key: region.adminKey,
      form: { system_id: id, osystem: 'esxi' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      osystem: ["'esxi' is not a valid osystem.  It should be one of: 'ubuntu', 'windows'."],
    });
    expect(await statusOf(id)).toBe('Ready');
    const taken = await region.request('POST', `${machines}?op=allocate`, {
      key: region.adminKey,
      form: { system_id: id, distro_series: 'ubuntu/noble' },
    });
    expect(taken.statusCode, taken.body).toBe(200);
  });

  it('refuses to deploy while no rack is connected, saying so', async () => {
    const id = await readyMachine('os-none-01');
    const rackless = createServices({ db: region.database.db, secrets: testSecrets() });
    const admin = await region.services.users.get('admin');
    await expect(rackless.lifecycle.act(id, 'deploy', admin)).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: { osystem: [expect.stringMatching(/No rack controller is connected/)] } },
    });
    // What is wrong with the machine comes first.
    await expect(rackless.lifecycle.act('nosuch', 'deploy', admin)).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
