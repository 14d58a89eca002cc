import { describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/services/token-service.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';
const machines = `${api}/machines/`;

interface Machine {
  system_id: string;
  hostname: string;
  status_name: string;
  owner: string | null;
}

let macCounter = 0;
function nextMac(): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(6, '0');
  return `52:54:01:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** A user with a working API key. */
async function userWithKey(username: string): Promise<string> {
  const user = await region.services.users.create({
    username,
    email: `${username}@example.com`,
    password: `${username}-pass`,
    isSuperuser: false,
  });
  return formatApiKey(await region.services.tokens.create(user.id, 'test'));
}

/** A Ready machine: created by the admin, commissioning reported finished. */
async function readyMachine(hostname: string): Promise<Machine> {
  const created = await region.request('POST', machines, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: nextMac(), power_type: 'manual', hostname },
  });
  expect(created.statusCode, created.body).toBe(200);
  const machine = created.json<Machine>();
  await region.services.lifecycle.report(machine.system_id, 'succeeded');
  return machine;
}

/** Allocates the machine with this hostname to the holder of `key`. */
function allocate(hostname: string, key: string) {
  return region.request('POST', `${machines}?op=allocate`, { key, form: { name: hostname } });
}

async function owner(systemId: string): Promise<string | null> {
  const response = await region.request('GET', `${machines}${systemId}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Machine>().owner;
}

function deleteUser(username: string, query = '') {
  return region.request('DELETE', `${api}/users/${username}/${query}`, { key: region.adminKey });
}

async function userExists(username: string): Promise<boolean> {
  const response = await region.request('GET', `${api}/users/${username}/`, { key: region.adminKey });
  return response.statusCode === 200;
}

describe('DELETE users/{username}/ of a user who owns machines', () => {
  it('refuses with 400 and MAAS’s message, keeping the user and the machines', async () => {
    const key = await userWithKey('owner1');
    const first = await readyMachine('owned-1a');
    const second = await readyMachine('owned-1b');
    expect((await allocate('owned-1a', key)).statusCode).toBe(200);
    expect((await allocate('owned-1b', key)).statusCode).toBe(200);

    const response = await deleteUser('owner1');
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('User owner1 cannot be deleted: 2 node(s) are still allocated to this user.');
    expect(await userExists('owner1')).toBe(true);
    expect(await owner(first.system_id)).toBe('owner1');
    expect(await owner(second.system_id)).toBe('owner1');
    // The refused user can still use the API.
    expect((await region.request('GET', `${api}/users/?op=whoami`, { key })).statusCode).toBe(200);
  });

  it('moves the machines to transfer_resources_to, then deletes the user', async () => {
    const ownerKey = await userWithKey('owner2');
    const heirKey = await userWithKey('heir2');
    const machine = await readyMachine('owned-2');
    expect((await allocate('owned-2', ownerKey)).statusCode).toBe(200);

    const response = await deleteUser('owner2', '?transfer_resources_to=heir2');
    expect(response.statusCode, response.body).toBe(204);
    expect(await userExists('owner2')).toBe(false);
    expect(await owner(machine.system_id)).toBe('heir2');
    const events = await region.request('GET', `${api}/events/?op=query&level=AUDIT&owner=admin`, {
      key: region.adminKey,
    });
    expect(events.json<{ events: { description: string }[] }>().events.map((e) => e.description)).toContain(
      "Deleted user 'owner2'; transferred 1 machine(s) to 'heir2'.",
    );
    // The heir now controls the machine: it can release it.
    const released = await region.request('POST', `${machines}${machine.system_id}/?op=release`, {
      key: heirKey,
    });
    expect(released.statusCode, released.body).toBe(200);
  });

  it('accepts transfer_resources_to in the form body too', async () => {
    const key = await userWithKey('owner3');
    await userWithKey('heir3');
    const machine = await readyMachine('owned-3');
    expect((await allocate('owned-3', key)).statusCode).toBe(200);
    const response = await region.request('DELETE', `${api}/users/owner3/`, {
      key: region.adminKey,
      form: { transfer_resources_to: 'heir3' },
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(await owner(machine.system_id)).toBe('heir3');
  });

  it('moves nothing and deletes nobody when transfer_resources_to names an unknown user', async () => {
    const key = await userWithKey('owner4');
    const machine = await readyMachine('owned-4');
    expect((await allocate('owned-4', key)).statusCode).toBe(200);
    const response = await deleteUser('owner4', '?transfer_resources_to=nobody-here');
    // MAAS looks the heir up with get_object_or_404.
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('transfer_resources_to');
    expect(await userExists('owner4')).toBe(true);
    expect(await owner(machine.system_id)).toBe('owner4');
  });

  it('deletes a user whose machines were all released', async () => {
    const key = await userWithKey('owner5');
    const machine = await readyMachine('owned-5');
    expect((await allocate('owned-5', key)).statusCode).toBe(200);
    const released = await region.request('POST', `${machines}${machine.system_id}/?op=release`, { key });
    expect(released.statusCode, released.body).toBe(200);
    expect((await deleteUser('owner5')).statusCode).toBe(204);
    expect(await owner(machine.system_id)).toBeNull();
  });

  it('never leaves a machine owned by a deleted user when the user allocates while being deleted', async () => {
    const db = region.database.db;
    // The delete starts after the allocation by these many milliseconds: at 0 the delete
    // usually wins, at the longest the allocation has committed, and between they interleave.
    const delays = [0, 0, 2, 5, 7, 10, 15, 20, 50, 1000];
    const outcomes = new Set<number>();
    for (const [round, delay] of delays.entries()) {
      const username = `racer${String(round)}`;
      const hostname = `race-${String(round)}`;
      const key = await userWithKey(username);
      const machine = await readyMachine(hostname);
      const [allocated, deleted] = await Promise.all([
        allocate(hostname, key),
        new Promise((resolve) => setTimeout(resolve, delay)).then(() => deleteUser(username)),
      ]);
      const summary = `delay ${String(delay)} ms: delete ${String(deleted.statusCode)} ${deleted.body}; allocate ${String(allocated.statusCode)} ${allocated.body}`;
      outcomes.add(deleted.statusCode);
      if (deleted.statusCode === 400) {
        // The allocation came first: the delete saw its machine and refused.
        expect(allocated.statusCode, summary).toBe(200);
        expect(deleted.body, summary).toBe(
          `User ${username} cannot be deleted: 1 node(s) are still allocated to this user.`,
        );
        expect(await owner(machine.system_id)).toBe(username);
      } else {
        // The delete came first: the allocation cannot give the machine to a user who is gone.
        expect(deleted.statusCode, summary).toBe(204);
        // 401 when the deletion had committed before authentication read the key, or when it
        // commits between authentication and the allocation (the owner's foreign key refuses it).
        expect(allocated.statusCode, summary).toBe(401);
        expect(await userExists(username)).toBe(false);
        expect(await owner(machine.system_id)).toBeNull();
      }
      const dangling = await db
        .selectFrom('machines')
        .leftJoin('users', 'users.id', 'machines.owner_id')
        .select('machines.system_id')
        .where('machines.owner_id', 'is not', null)
        .where('users.id', 'is', null)
        .execute();
      expect(dangling, summary).toEqual([]);
    }
    // With a second the allocation has certainly committed first, so the refusal was exercised.
    expect(outcomes.has(400)).toBe(true);
  }, 60_000);
});
