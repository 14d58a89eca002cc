import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as m0001 from '../../src/db/migrations/0001-initial.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createEmptyDatabase } from '../support/test-database.js';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
let keyDir: string;

const sshkeys = '/MAAS/api/2.0/account/prefs/sshkeys/';

/** A real public key line made by ssh-keygen. */
function newPublicKey(type: 'ed25519' | 'rsa' | 'ecdsa', comment: string): string {
  const path = join(keyDir, `${type}-${comment}`);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    comment,
    '-f',
    path,
  ]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

beforeAll(async () => {
  region = await startTestRegion();
  keyDir = mkdtempSync(join(tmpdir(), 'ferrum-ssh-keys-'));
});
afterAll(async () => {
  await region.close();
  rmSync(keyDir, { recursive: true, force: true });
});

interface SshKey {
  id: number;
  key: string;
  keysource: string;
  display: string;
  resource_uri: string;
}

function addKey(apiKey: string, key: string, extra: Record<string, string> = {}) {
  return region.request('POST', sshkeys, { key: apiKey, form: { key, ...extra } });
}

describe('account/prefs/sshkeys/', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'] as const)(
    'adds a real %s key with 201 and returns it',
    async (type) => {
      const key = newPublicKey(type, `alice@${type}`);
      const response = await addKey(region.userKey, key);
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json<SshKey>();
      expect(body).toMatchObject({ key, keysource: '', resource_uri: `${sshkeys}${body.id}/` });
      expect(body.display).toContain(`alice@${type}`);
    },
  );

  it("lists only the requesting user's keys", async () => {
    const mine = newPublicKey('ed25519', 'alice-listed');
    await addKey(region.userKey, mine);
    const theirs = newPublicKey('ed25519', 'admin-listed');
    await addKey(region.adminKey, theirs);
    const response = await region.request('GET', sshkeys, { key: region.userKey });
    expect(response.statusCode).toBe(200);
    const keys = response.json<SshKey[]>().map((k) => k.key);
    expect(keys).toContain(mine);
    expect(keys).not.toContain(theirs);
  });

  it('stores a key with its whitespace normalised', async () => {
    const [type, blob] = newPublicKey('ed25519', 'x').split(' ');
    const response = await addKey(region.userKey, `  ${type}\t${blob}   spaced   comment \n`);
    expect(response.statusCode).toBe(201);
    expect(response.json<SshKey>().key).toBe(`${type} ${blob} spaced comment`);
  });

  it('accepts a key without a comment', async () => {
    const [type, blob] = newPublicKey('ed25519', 'dropped').split(' ');
    const response = await addKey(region.userKey, `${type} ${blob}`);
    expect(response.statusCode).toBe(201);
    expect(response.json<SshKey>().key).toBe(`${type} ${blob}`);
  });

  it.each([
    ['garbage', 'not a key at all', /unknown key type 'not'/],
    ['a type alone', 'ssh-ed25519', /expected "<type> <base64 key>/],
    ['data that is not base64', 'ssh-ed25519 !!!notbase64!!! x', /not base64/],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', /unknown key type/],
  ])('rejects %s naming the key field', async (_what, key, message) => {
    const response = await addKey(region.userKey, key);
    expect(response.statusCode).toBe(400);
    const body = response.json<{ key: string[] }>();
    expect(Object.keys(body)).toEqual(['key']);
    expect(body.key[0]).toMatch(message);
  });

  it('rejects key data that does not match the stated type', async () => {
    const [, ed25519Blob] = newPublicKey('ed25519', 'mismatch').split(' ');
    const response = await addKey(region.userKey, `ssh-rsa ${ed25519Blob} liar`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      key: ['Invalid SSH public key: the key data does not match its type.'],
    });
  });

  it('rejects two keys in one request, so that the second cannot slip in unchecked', async () => {
    const first = newPublicKey('ed25519', 'one');
    const response = await addKey(region.userKey, `${first}\nssh-ed25519 AAAA unchecked`);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ key: string[] }>().key[0]).toMatch(/exactly one key/);
  });

  it('rejects the same key twice for one user, even with another comment', async () => {
    const key = newPublicKey('ed25519', 'twice');
    expect((await addKey(region.userKey, key)).statusCode).toBe(201);
    const again = await addKey(region.userKey, key);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ key: ['This key has already been added for this user.'] });
    const [type, blob] = key.split(' ');
    expect((await addKey(region.userKey, `${type} ${blob} other-comment`)).statusCode).toBe(400);
  });

  it('lets another user add the same key', async () => {
    const key = newPublicKey('ed25519', 'shared');
    expect((await addKey(region.userKey, key)).statusCode).toBe(201);
    expect((await addKey(region.adminKey, key)).statusCode).toBe(201);
  });

  it('names the missing key field', async () => {
    const response = await region.request('POST', sshkeys, { key: region.userKey });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ key: ['This field is required.'] });
  });

  it('lets an administrator add a key for another user', async () => {
    const key = newPublicKey('ed25519', 'given-by-admin');
    const response = await addKey(region.adminKey, key, { user: 'alice' });
    expect(response.statusCode).toBe(201);
    const aliceKeys = await region.request('GET', sshkeys, { key: region.userKey });
    expect(aliceKeys.json<SshKey[]>().map((k) => k.key)).toContain(key);
  });

  it('refuses a user parameter from a normal user, and an unknown user from an administrator', async () => {
    const byAlice = await addKey(region.userKey, newPublicKey('ed25519', 'for-admin'), { user: 'admin' });
    expect(byAlice.statusCode).toBe(400);
    expect(byAlice.body).toBe('Only administrators can specify a user when creating an SSH key.');
    const unknown = await addKey(region.adminKey, newPublicKey('ed25519', 'for-nobody'), { user: 'nobody' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toBe('Supplied username does not match any current users.');
  });

  it('answers import with a 400 that says what to do instead, never a 503 that clients retry', async () => {
    const response = await region.request('POST', `${sshkeys}?op=import`, {
      key: region.userKey,
      form: { keysource: 'lp:alice' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.body).toMatch(/"create"/);
    const bad = await region.request('POST', `${sshkeys}?op=import`, {
      key: region.userKey,
      form: { keysource: 'ftp:alice' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/protocol:auth_id/);
  });
});

describe('account/prefs/sshkeys/{id}/', () => {
  it("reads and deletes the user's own key", async () => {
    const key = newPublicKey('ed25519', 'read-delete');
    const { id } = (await addKey(region.userKey, key)).json<SshKey>();
    const read = await region.request('GET', `${sshkeys}${id}/`, { key: region.userKey });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id, key });
    const deleted = await region.request('DELETE', `${sshkeys}${id}/`, { key: region.userKey });
    expect(deleted.statusCode).toBe(204);
    expect((await region.request('GET', `${sshkeys}${id}/`, { key: region.userKey })).statusCode).toBe(404);
  });

  it('forbids another user to read or delete a key', async () => {
    const { id } = (await addKey(region.adminKey, newPublicKey('ed25519', 'admins-own'))).json<SshKey>();
    expect((await region.request('GET', `${sshkeys}${id}/`, { key: region.userKey })).statusCode).toBe(403);
    const deleted = await region.request('DELETE', `${sshkeys}${id}/`, { key: region.userKey });
    expect(deleted.statusCode).toBe(403);
    expect(deleted.body).toBe("Can't delete a key you don't own.");
    expect((await region.request('GET', `${sshkeys}${id}/`, { key: region.adminKey })).statusCode).toBe(200);
  });

  it("lets an administrator read but not delete someone else's key, as MAAS does", async () => {
    const { id } = (await addKey(region.userKey, newPublicKey('ed25519', 'alices-own'))).json<SshKey>();
    expect((await region.request('GET', `${sshkeys}${id}/`, { key: region.adminKey })).statusCode).toBe(200);
    expect((await region.request('DELETE', `${sshkeys}${id}/`, { key: region.adminKey })).statusCode).toBe(
      403,
    );
  });

  it.each(['999999', 'abc', '99999999999999999999'])('answers 404 for the id %s', async (id) => {
    const response = await region.request('GET', `${sshkeys}${id}/`, { key: region.userKey });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('No SSHKey matches the given query.');
  });
});

describe('one copy of a key per user', () => {
  const duplicate = { key: ['This key has already been added for this user.'] };

  it('stores a key sent 20 times at once, each with another comment, exactly once', async () => {
    const [type, blob] = newPublicKey('ed25519', 'raced').split(' ');
    // Four requests ahead occupy the credential checker, so that the 20 adds are authenticated
    // in one batch and reach the duplicate check together, as concurrent clients would.
    const ahead = Array.from({ length: 4 }, () =>
      region.request('GET', '/MAAS/api/2.0/users/?op=whoami', { key: region.userKey }),
    );
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => addKey(region.userKey, `${type} ${blob} copy-${i}`)),
    );
    await Promise.all(ahead);
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const response of responses.filter((r) => r.statusCode === 400))
      expect(response.json()).toEqual(duplicate);
    const listed = (await region.request('GET', sshkeys, { key: region.userKey })).json<SshKey[]>();
    expect(listed.filter((k) => k.key.startsWith(`${type} ${blob}`))).toHaveLength(1);
  });

  it('adds a key once when the service gets it 20 times at once', async () => {
    const [type, blob] = newPublicKey('ed25519', 'raced-service').split(' ');
    const alice = await region.services.users.get('alice');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => region.services.sshKeys.add(alice, `${type} ${blob} copy-${i}`)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected')
        expect(outcome.reason).toMatchObject({ code: 'validation_failed', details: { fields: duplicate } });
  });

  it('keeps the oldest of the copies stored before migration 0002, and refuses new copies afterwards', async () => {
    const database = await createEmptyDatabase();
    try {
      const upTo0001 = new Migrator({
        db: database.db,
        provider: { getMigrations: () => Promise.resolve({ '0001-initial': m0001 }) },
        migrationTableName: 'schema_migrations',
        migrationLockTableName: 'schema_migrations_lock',
      });
      expect((await upTo0001.migrateToLatest()).error).toBeUndefined();
      const users = await database.db
        .insertInto('users')
        .values([
          { username: 'u1', email: 'u1@example.com', password_hash: 'x', is_superuser: false },
          { username: 'u2', email: 'u2@example.com', password_hash: 'x', is_superuser: false },
        ])
        .returning('id')
        .execute();
      const [u1, u2] = users.map((u) => u.id) as [number, number];
      const [type, blob] = newPublicKey('ed25519', 'migrated').split(' ');
      const [otherType, otherBlob] = newPublicKey('ed25519', 'other').split(' ');
      const rows = [
        { user_id: u1, key: `${type} ${blob} first` },
        { user_id: u1, key: `${type} ${blob} second` },
        { user_id: u1, key: `${type} ${blob}` },
        { user_id: u1, key: `${otherType} ${otherBlob} other` },
        { user_id: u2, key: `${type} ${blob} u2` },
      ];
      for (const row of rows) await database.db.insertInto('ssh_keys').values(row).execute();

      await migrateToLatest(database.db);

      const kept = await database.db
        .selectFrom('ssh_keys')
        .select(['user_id', 'key'])
        .orderBy('id')
        .execute();
      expect(kept).toEqual([rows[0], rows[3], rows[4]]);
      const copy =
        sql`INSERT INTO ssh_keys (user_id, key) VALUES (${u1}, ${`${type} ${blob} third`})`.execute(
          database.db,
        );
      await expect(copy).rejects.toMatchObject({ code: '23505' });
    } finally {
      await database.drop();
    }
  });
});
