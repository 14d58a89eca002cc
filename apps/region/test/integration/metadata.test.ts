import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import {
  api,
  bootPreseedPath,
  commissioningMachine,
  deployingMachine,
  keyOfPreseed,
  machineJson,
  machineKey,
  md,
  newMachine,
  nextMac,
  readyMachine,
  signal,
} from './metadata-fixtures.js';

const region = useTestRegion();

/** The key data of an ed25519 public key (random bytes: only the format is checked). */
function ed25519Blob(): string {
  const field = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return Buffer.concat([field(Buffer.from('ssh-ed25519')), field(randomBytes(32))]).toString('base64');
}

async function keysOf(systemId: string) {
  return region.services.nodeCredentials.keysOf(systemId);
}

describe('metadata index', () => {
  it('lists the metadata versions and refuses unknown ones', async () => {
    const index = await region.request('GET', `${md}/`);
    expect(index.statusCode).toBe(200);
    expect(index.body).toBe('2012-03-01\nlatest');
    const unknown = await region.request('GET', `${md}/2001-01-01/meta-data/`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('Unknown metadata version');
  });
});

describe('machine metadata credentials', () => {
  it('are issued when commissioning starts and revoked when it ends in Ready', async () => {
    const machine = await newMachine(region, 'cred-life');
    expect(await keysOf(machine.system_id)).toBeUndefined();
    await region.request('POST', `${api}?op=accept`, {
      key: region.adminKey,
      form: { machines: machine.system_id },
    });
    expect(await keysOf(machine.system_id)).toBeDefined();

    const key = await machineKey(region, machine.system_id);
    const id = await region.request('GET', `${md}/latest/meta-data/instance-id`, { key });
    expect(id.statusCode, id.body).toBe(200);
    expect(id.body).toBe(machine.system_id);

    expect((await signal(region, key, { status: 'OK' })).statusCode).toBe(200);
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Ready');
    expect(await keysOf(machine.system_id)).toBeUndefined();
    const revoked = await region.request('GET', `${md}/latest/meta-data/instance-id`, { key });
    expect(revoked.statusCode).toBe(401);
  });

  it('are issued fresh at deploy and revoked at release', async () => {
    const machine = await deployingMachine(region, 'cred-deploy');
    const key = await machineKey(region, machine.system_id);
    expect((await region.request('GET', `${md}/latest/meta-data/local-hostname`, { key })).body).toBe(
      'cred-deploy.maas',
    );
    const released = await region.request('POST', `${api}${machine.system_id}/?op=release`, {
      key: region.adminKey,
    });
    expect(released.statusCode, released.body).toBe(200);
    expect(await keysOf(machine.system_id)).toBeUndefined();
    expect((await region.request('GET', `${md}/latest/meta-data/local-hostname`, { key })).statusCode).toBe(
      401,
    );
  });

  it('are kept by a machine that failed, and deleted with the machine', async () => {
    const machine = await commissioningMachine(region, 'cred-delete');
    const key = await machineKey(region, machine.system_id);
    expect((await signal(region, key, { status: 'FAILED' })).statusCode).toBe(200);
    expect((await region.request('GET', `${md}/latest/meta-data/`, { key })).statusCode).toBe(200);
    const deleted = await region.request('DELETE', `${api}${machine.system_id}/`, { key: region.adminKey });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await region.request('GET', `${md}/latest/meta-data/`, { key })).statusCode).toBe(401);
  });

  it('are refused when wrong, replayed, or used as an API key; API keys are refused here', async () => {
    const machine = await commissioningMachine(region, 'cred-bad');
    const key = await machineKey(region, machine.system_id);
    const wrong = await region.request('GET', `${md}/latest/meta-data/instance-id`, {
      key,
      secret: 'x'.repeat(32),
    });
    expect(wrong.statusCode).toBe(401);
    const first = await region.request('GET', `${md}/latest/meta-data/instance-id`, { key, nonce: 'n-1' });
    expect(first.statusCode).toBe(200);
    const replay = await region.request('GET', `${md}/latest/meta-data/instance-id`, { key, nonce: 'n-1' });
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('nonce');
    // A machine's credentials are not an API key, and an API key is not a machine's credentials.
    expect((await region.request('GET', api, { key })).statusCode).toBe(401);
    expect(
      (await region.request('GET', `${md}/latest/meta-data/instance-id`, { key: region.adminKey }))
        .statusCode,
    ).toBe(401);
  });
});

describe('get_preseed', () => {
  it('refuses the unauthenticated MAAS route (system_id alone) and records who asked', async () => {
    const machine = await commissioningMachine(region, 'preseed-anon');
    const response = await region.request('GET', `${md}/latest/by-id/${machine.system_id}/?op=get_preseed`);
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('boot_token');
    expect(response.body).not.toContain('token_secret');
    const events = await region.request(
      'GET',
      `/MAAS/api/2.0/events/?op=query&id=${machine.system_id}&level=WARNING`,
      {
        key: region.adminKey,
      },
    );
    expect(events.json<{ events: { type: string }[] }>().events.map((e) => e.type)).toContain(
      'Preseed refused',
    );
  });

  it('hands out the credentials once per boot token, and not after the token expired', async () => {
    const machine = await commissioningMachine(region, 'preseed-once');
    const path = await bootPreseedPath(region, machine.system_id);
    const first = await region.request('GET', path);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.body).toMatch(/^#cloud-config\n/);
    expect(first.body).toContain(`status/${machine.system_id}`);
    expect(first.body).toContain('mode: poweroff');
    const key = keyOfPreseed(first.body);
    expect((await region.request('GET', `${md}/latest/meta-data/instance-id`, { key })).statusCode).toBe(200);
    expect((await region.request('GET', path)).statusCode).toBe(401);

    const later = await bootPreseedPath(region, machine.system_id);
    region.clockOffset = 31 * 60;
    try {
      expect((await region.request('GET', later)).statusCode).toBe(401);
    } finally {
      region.clockOffset = 0;
    }
  });

  it('gives no boot token to a machine that boots nothing, nor to non-administrators', async () => {
    const machine = await newMachine(region, 'preseed-new');
    const refused = await region.request('POST', `${api}${machine.system_id}/?op=issue_boot_token`, {
      key: region.adminKey,
    });
    expect(refused.statusCode).toBe(409);
    const user = await region.request('POST', `${api}${machine.system_id}/?op=issue_boot_token`, {
      key: region.userKey,
    });
    expect(user.statusCode).toBe(403);
  });
});

describe('meta-data', () => {
  it("serves instance-id, local-hostname, the owner's public keys and vendor-data", async () => {
    const sshKey = `ssh-ed25519 ${ed25519Blob()} admin@example`;
    const added = await region.request('POST', '/MAAS/api/2.0/account/prefs/sshkeys/', {
      key: region.adminKey,
      form: { key: sshKey },
    });
    expect(added.statusCode, added.body).toBe(201);
    const machine = await deployingMachine(region, 'md-items');
    const key = await machineKey(region, machine.system_id);
    const get = (path: string) => region.request('GET', `${md}/latest/meta-data/${path}`, { key });
    expect((await get('')).body.split('\n')).toEqual([
      'instance-id',
      'local-hostname',
      'public-keys',
      'vendor-data',
    ]);
    expect((await get('instance-id')).body).toBe(machine.system_id);
    expect((await get('local-hostname')).body).toBe('md-items.maas');
    expect((await get('public-keys')).body).toBe(sshKey);
    const vendor = await get('vendor-data');
    expect(vendor.headers['content-type']).toContain('application/x-yaml');
    expect(vendor.body).toContain('ntp.ubuntu.com');
    expect((await get('nonsense')).statusCode).toBe(404);
  });

  it('serves the enlistment view without credentials, and nothing by MAC', async () => {
    expect((await region.request('GET', `${md}/enlist/latest/meta-data/instance-id`)).body).toBe(
      'i-maas-enlistment',
    );
    expect((await region.request('GET', `${md}/enlist/latest/meta-data/local-hostname`)).body).toBe(
      'maas-enlisting-node',
    );
    expect((await region.request('GET', `${md}/latest/meta-data/instance-id`)).body).toBe(
      'i-maas-enlistment',
    );
    const userData = await region.request('GET', `${md}/enlist/latest/user-data`);
    expect(userData.body).toContain('/MAAS/api/2.0/machines/');
    expect((await region.request('GET', `${md}/latest/by-mac/${nextMac()}/meta-data/`)).statusCode).toBe(401);
  });

  it('lets an unknown machine enlist anonymously, as New', async () => {
    const enlisted = await region.request('POST', api, {
      form: { architecture: 'amd64/generic', mac_addresses: nextMac() },
    });
    expect(enlisted.statusCode, enlisted.body).toBe(200);
    const systemId = enlisted.json<{ system_id: string }>().system_id;
    expect((await machineJson(region, systemId)).status_name).toBe('New');
    expect(await keysOf(systemId)).toBeUndefined();
  });
});

describe('user-data', () => {
  it('is the script runner with the machine’s credentials while commissioning', async () => {
    const machine = await commissioningMachine(region, 'ud-commission');
    const key = await machineKey(region, machine.system_id);
    const response = await region.request('GET', `${md}/latest/user-data`, { key });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toMatch(/^#!\/usr\/bin\/env python3\n/);
    expect(response.body).toContain(`STATUS = "COMMISSIONING"`);
    expect(response.body).toContain(JSON.stringify(key.split(':')[2]));
    expect((await machineJson(region, machine.system_id)).status_message).toBe('Gathering information');
  });

  it("is the user's deploy user_data while deploying, and none when they gave none", async () => {
    const cloudConfig = '#cloud-config\nruncmd:\n  - echo hello\n';
    const machine = await deployingMachine(region, 'ud-deploy', {
      user_data: Buffer.from(cloudConfig).toString('base64'),
    });
    const key = await machineKey(region, machine.system_id);
    const response = await region.request('GET', `${md}/latest/user-data`, { key });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toBe(cloudConfig);

    const bare = await deployingMachine(region, 'ud-none');
    const bareKey = await machineKey(region, bare.system_id);
    expect((await region.request('GET', `${md}/latest/user-data`, { key: bareKey })).statusCode).toBe(404);
  });

  it('refuses deploy user_data that is not base64, naming the field', async () => {
    const machine = await readyMachine(region, 'ud-bad');
    const response = await region.request('POST', `${api}${machine.system_id}/?op=deploy`, {
      key: region.adminKey,
      form: { user_data: 'not base64!' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toHaveProperty('user_data');
    expect((await machineJson(region, machine.system_id)).status_name).toBe('Ready');
  });

  it('serves maas-scripts as a tar with index.json', async () => {
    const machine = await commissioningMachine(region, 'ud-scripts');
    const key = await machineKey(region, machine.system_id);
    const response = await region.request('GET', `${md}/latest/maas-scripts`, { key });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-tar');
    expect(response.rawPayload.subarray(0, 10).toString()).toBe('index.json');
    expect(response.rawPayload.toString('latin1')).toContain('"commissioning_scripts"');
  });
});
