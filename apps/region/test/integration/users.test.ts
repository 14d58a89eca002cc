import { describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/services/token-service.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const api = '/MAAS/api/2.0';

interface User {
  username: string;
  email: string;
  is_local: boolean;
  is_superuser: boolean;
  resource_uri: string;
}

function createUser(form: Record<string, string>) {
  return region.request('POST', `${api}/users/`, { key: region.adminKey, form });
}

/** Creates a user through the service and returns a working API key for it. */
async function userWithKey(username: string, isSuperuser: boolean): Promise<string> {
  const user = await region.services.users.create({
    username,
    email: `${username}@example.com`,
    password: 'pw',
    isSuperuser,
  });
  return formatApiKey(await region.services.tokens.create(user.id, 'test'));
}

describe('users/', () => {
  it("lists every user with MAAS's fields, ordered by username", async () => {
    await createUser({ username: 'aaron', email: 'aaron@example.com', password: 'pw' });
    const response = await region.request('GET', `${api}/users/`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    const users = response.json<User[]>();
    const names = users.map((u) => u.username);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['aaron', 'admin', 'alice']));
    expect(users.find((u) => u.username === 'alice')).toEqual({
      username: 'alice',
      email: 'alice@example.com',
      is_local: true,
      is_superuser: false,
      resource_uri: '/MAAS/api/2.0/users/alice/',
    });
  });

  it('creates a normal user who can then get a key by password', async () => {
    const response = await createUser({
      username: 'bob',
      email: 'bob@example.com',
      password: 'bob-pass',
      is_superuser: '0',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      username: 'bob',
      email: 'bob@example.com',
      is_local: true,
      is_superuser: false,
      resource_uri: '/MAAS/api/2.0/users/bob/',
    });
    const login = await region.request('POST', '/MAAS/accounts/authenticate/', {
      form: { username: 'bob', password: 'bob-pass' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('creates an administrator when is_superuser is true', async () => {
    const response = await createUser({
      username: 'carol',
      email: 'carol@example.com',
      password: 'pw',
      is_superuser: 'true',
    });
    expect(response.json()).toMatchObject({ username: 'carol', is_superuser: true });
  });

  it('refuses a duplicate username, naming the field', async () => {
    const response = await createUser({
      username: 'alice',
      email: 'other-alice@example.com',
      password: 'pw',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ username: ['User with this Username already exists.'] });
  });

  it('refuses a duplicate e-mail address, ignoring case', async () => {
    const response = await createUser({ username: 'alice2', email: 'ALICE@example.com', password: 'pw' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ email: ['User with this Email address already exists.'] });
  });

  it('names every missing field at once', async () => {
    const response = await createUser({});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      username: ['This field is required.'],
      email: ['This field is required.'],
      password: ['This field is required.'],
    });
  });

  it('rejects an invalid username and e-mail address together', async () => {
    const response = await createUser({ username: 'no spaces', email: 'not-an-address', password: 'pw' });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<object>()).sort()).toEqual(['email', 'username']);
  });

  it('rejects an is_superuser that is not a boolean', async () => {
    const response = await createUser({
      username: 'dave',
      email: 'dave@example.com',
      password: 'pw',
      is_superuser: 'sometimes',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toHaveProperty('is_superuser');
    expect((await region.request('GET', `${api}/users/dave/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
  });

  it('records who created a user in the audit log', async () => {
    await createUser({ username: 'erin', email: 'erin@example.com', password: 'pw' });
    const events = await region.request('GET', `${api}/events/?op=query&level=AUDIT&owner=admin`, {
      key: region.adminKey,
    });
    expect(events.json<{ events: { description: string }[] }>().events.map((e) => e.description)).toContain(
      "Created user 'erin'.",
    );
  });
});

describe('users/?op=whoami', () => {
  it('returns the signed-in user', async () => {
    const response = await region.request('GET', `${api}/users/?op=whoami`, { key: region.userKey });
    expect(response.json()).toMatchObject({ username: 'alice', is_superuser: false });
  });
});

describe('users/{username}/', () => {
  it('reads one user', async () => {
    const response = await region.request('GET', `${api}/users/admin/`, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      username: 'admin',
      is_superuser: true,
      resource_uri: '/MAAS/api/2.0/users/admin/',
    });
  });

  it('answers 404 for an unknown user', async () => {
    const response = await region.request('GET', `${api}/users/nobody/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No User matches the given query.');
  });

  it('reads users whose names need escaping in the URL', async () => {
    await createUser({ username: 'first.last+ops@corp', email: 'fl@example.com', password: 'pw' });
    const created = await region.request(
      'GET',
      `${api}/users/${encodeURIComponent('first.last+ops@corp')}/`,
      { key: region.adminKey },
    );
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({
      username: 'first.last+ops@corp',
      resource_uri: '/MAAS/api/2.0/users/first.last%2Bops%40corp/',
    });
  });

  it('deletes a user, whose API keys then stop working', async () => {
    const key = await userWithKey('frank', false);
    expect((await region.request('GET', `${api}/users/?op=whoami`, { key })).statusCode).toBe(200);
    const response = await region.request('DELETE', `${api}/users/frank/`, { key: region.adminKey });
    expect(response.statusCode).toBe(204);
    expect((await region.request('GET', `${api}/users/frank/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
    expect((await region.request('GET', `${api}/users/?op=whoami`, { key })).statusCode).toBe(401);
  });

  it('refuses to let an administrator delete themselves', async () => {
    const response = await region.request('DELETE', `${api}/users/admin/`, { key: region.adminKey });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('An administrator cannot self-delete.');
    expect(
      (await region.request('GET', `${api}/users/?op=whoami`, { key: region.adminKey })).statusCode,
    ).toBe(200);
  });

  it('answers 404 when deleting an unknown user', async () => {
    const response = await region.request('DELETE', `${api}/users/ghost/`, { key: region.adminKey });
    expect(response.statusCode).toBe(404);
  });

  it('accepts transfer_resources_to naming an existing user, and refuses an unknown one', async () => {
    await createUser({ username: 'gina', email: 'gina@example.com', password: 'pw' });
    const unknown = await region.request('DELETE', `${api}/users/gina/?transfer_resources_to=ghost`, {
      key: region.adminKey,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await region.request('GET', `${api}/users/gina/`, { key: region.adminKey })).statusCode).toBe(
      200,
    );
    const known = await region.request('DELETE', `${api}/users/gina/?transfer_resources_to=alice`, {
      key: region.adminKey,
    });
    expect(known.statusCode).toBe(204);
    expect((await region.request('GET', `${api}/users/gina/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
  });

  it('never leaves the region without an administrator when the last two delete each other at once', async () => {
    const db = region.database.db;
    const admins = async () =>
      (await db.selectFrom('users').select('username').where('is_superuser', '=', true).execute()).map(
        (u) => u.username,
      );
    const original = await admins();
    try {
      // A few rounds: the race is lost only when both deletions interleave.
      for (let round = 0; round < 4; round++) {
        const keyX = await userWithKey(`admin-x${round}`, true);
        const keyY = await userWithKey(`admin-y${round}`, true);
        // Only these two remain administrators while they race.
        await db
          .updateTable('users')
          .set({ is_superuser: false })
          .where('username', 'not in', [`admin-x${round}`, `admin-y${round}`])
          .execute();
        const [xDeletesY, yDeletesX] = await Promise.all([
          region.request('DELETE', `${api}/users/admin-y${round}/`, { key: keyX }),
          region.request('DELETE', `${api}/users/admin-x${round}/`, { key: keyY }),
        ]);
        const statuses = [xDeletesY.statusCode, yDeletesX.statusCode];
        expect(
          statuses.filter((s) => s === 204),
          statuses.join(' '),
        ).toHaveLength(1);
        expect(statuses.every((s) => s < 500)).toBe(true);
        expect(await admins()).toHaveLength(1);
      }
    } finally {
      await db.updateTable('users').set({ is_superuser: false }).execute();
      await db.updateTable('users').set({ is_superuser: true }).where('username', 'in', original).execute();
    }
  });
});
