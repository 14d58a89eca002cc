import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();
const machines = '/MAAS/api/2.0/machines/';

interface Machine {
  system_id: string;
  hostname: string;
  status: number;
  owner: string | null;
  interface_set: { id: number; mac_address: string }[];
  blockdevice_set: { id: number; type: string }[];
  virtualblockdevice_set: { id: number }[];
  boot_interface: { id: number } | null;
  boot_disk: { id: number } | null;
}

// More machines than one page of the streamed list (250), so pages join up in the answer.
const COUNT = 263;

describe('GET machines/ streamed in pages', () => {
  it('lists every machine once, in id order, across page boundaries', async () => {
    const admin = await region.services.users.get('admin');
    const created: string[] = [];
    for (let i = 0; i < COUNT; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, COUNT - i) }, async (_, j) => {
          const n = i + j;
          const hex = n.toString(16).padStart(4, '0');
          const view = await region.services.machines.create(
            {
              hostname: `stream-${String(n).padStart(3, '0')}`,
              architecture: 'amd64/generic',
              macAddresses: [
                `52:54:01:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
                `52:54:02:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
              ],
              powerType: 'manual',
            },
            { status: 'NEW', actor: admin.username },
          );
          return view.machine.system_id;
        }),
      );
      created.push(...batch);
    }
    // Disks on some machines, a virtual one among them, so the device sets differ.
    for (const systemId of created.slice(240, 260))
      await region.services.machines.setHardware(systemId, {
        cpuCount: 8,
        memory: 16384,
        blockDevices: [
          { name: 'sda', size: 500e9 },
          { name: 'vda', size: 20e9 },
        ],
      });
    await region.database.db
      .updateTable('block_devices')
      .set({ type: 'virtual' })
      .where('name', '=', 'vda')
      .execute();

    const response = await region.request('GET', machines, { key: region.adminKey });
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const listed = response.json<Machine[]>();
    expect(listed.map((m) => m.system_id).sort()).toEqual([...created].sort());
    const byId = await region.database.db.selectFrom('machines').select('system_id').orderBy('id').execute();
    expect(listed.map((m) => m.system_id)).toEqual(byId.map((r) => r.system_id));

    // Each listed machine is exactly what reading it alone answers (the object renderer).
    for (const systemId of [created[0], created[249], created[250], created[255], created.at(-1)]) {
      const one = await region.request('GET', `${machines}${String(systemId)}/`, { key: region.adminKey });
      expect(listed.find((m) => m.system_id === systemId)).toEqual(one.json());
    }
    const withDisks = listed.find((m) => m.system_id === created[250]);
    expect(withDisks?.blockdevice_set).toHaveLength(2);
    expect(withDisks?.virtualblockdevice_set).toHaveLength(1);
    expect(withDisks?.boot_disk?.id).toBe(withDisks?.blockdevice_set[0]?.id);
    expect(withDisks?.boot_interface?.id).toBe(withDisks?.interface_set[0]?.id);
  });

  it('filters across pages and answers an empty array when nothing matches', async () => {
    const some = await region.request('GET', `${machines}?cpu_count=8`, { key: region.adminKey });
    expect(some.statusCode).toBe(200);
    expect(some.json<Machine[]>()).toHaveLength(20);
    const none = await region.request('GET', `${machines}?hostname=no-such-machine`, {
      key: region.adminKey,
    });
    expect(none.statusCode).toBe(200);
    expect(none.body).toBe('[]');
  });

  it('answers HEAD with the headers alone', async () => {
    const response = await region.request('HEAD', machines, { key: region.adminKey });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toBe('');
  });

  it('answers bad filters with 400 before anything is streamed', async () => {
    const response = await region.request('GET', `${machines}?mac_address=not-a-mac`, {
      key: region.adminKey,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ mac_address: ["Invalid MAC address: 'not-a-mac'."] });
  });

  it('shows a normal user only unowned machines and their own, on every page', async () => {
    const alice = await region.request('GET', machines, { key: region.userKey });
    expect(alice.statusCode).toBe(200);
    expect(alice.json<Machine[]>()).toHaveLength(COUNT); // none is owned yet
    const target = (
      await region.database.db
        .updateTable('machines')
        .set({ status: 4 }) // Ready: commissioning is the metadata issue's
        .where('hostname', '=', 'stream-262')
        .returning('system_id')
        .executeTakeFirstOrThrow()
    ).system_id;
    const allocated = await region.request('POST', `${machines}?op=allocate`, {
      key: region.adminKey,
      form: { name: 'stream-262' },
    });
    expect(allocated.statusCode, allocated.body).toBe(200);
    const after = await region.request('GET', machines, { key: region.userKey });
    const seen = after.json<Machine[]>();
    expect(seen).toHaveLength(COUNT - 1);
    expect(seen.some((m) => m.system_id === target)).toBe(false);
  });
});
