import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.js';

// A cheap cost keeps the suite fast; the format and checks are the same as with the default.
const cheap = { N: 1 << 10, r: 8, p: 1 };

describe('hashPassword', () => {
  it('writes scrypt$N$r$p$salt$key with the default cost', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  });

  it('salts each hash, so the same password hashes differently', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });
});

describe('verifyPassword', () => {
  it('accepts the password that was hashed and rejects any other', async () => {
    const hash = await hashPassword('correct horse', cheap);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifies a hash made with the default cost', async () => {
    const hash = await hashPassword('default cost');
    expect(await verifyPassword('default cost', hash)).toBe(true);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const hash = await hashPassword('caf\u00e9', cheap);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('rejects a hash whose key was tampered with', async () => {
    const hash = await hashPassword('pw', cheap);
    const parts = hash.split('$');
    const key = Buffer.from(parts[5] ?? '', 'base64url');
    key[0] = (key[0] ?? 0) ^ 1;
    parts[5] = key.toString('base64url');
    expect(await verifyPassword('pw', parts.join('$'))).toBe(false);
  });

  it('answers false, never throws and never accepts, for malformed hashes', async () => {
    const good = (await hashPassword('pw', cheap)).split('$');
    const withPart = (index: number, value: string) =>
      good.map((part, i) => (i === index ? value : part)).join('$');
    const malformed = [
      '',
      'garbage',
      'pbkdf2_sha256$260000$salt$hash',
      good.slice(0, 5).join('$'),
      withPart(5, ''), // an empty key would compare equal to any zero-length derivation
      withPart(5, 'AAAA'), // a 3-byte key is not one we ever wrote
      withPart(1, 'abc'),
      withPart(1, '1000'), // not a power of two
      withPart(1, String(2 ** 30)), // a 1 GiB scrypt must not be attempted
      withPart(2, '0'),
      withPart(3, '999'),
      withPart(4, 'not base64!'),
      `${good.join('$')}$extra`,
    ];
    for (const stored of malformed) {
      await expect(verifyPassword('pw', stored), JSON.stringify(stored)).resolves.toBe(false);
    }
  });
});
