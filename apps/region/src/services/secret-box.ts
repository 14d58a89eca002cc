import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '@ferrum/domain';

const algorithm = 'aes-256-gcm';
const keyBytes = 32;
// GCM's native nonce size: 96 bits, random per message (NIST SP 800-38D §8.2.2).
const ivBytes = 12;
const tagBytes = 16;
const version = 'v1';

/** The name of the key file inside the data directory. */
export const secretKeyFileName = 'secret.key';

/**
 * Encrypts short secrets (BMC passwords) for storage in the database, so that a database dump
 * alone does not give them away. Text format: `v1:<iv>:<tag>:<ciphertext>`, each part base64;
 * the version lets a later key or algorithm be introduced beside this one.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== keyBytes)
      throw new AppError('internal', `The secret key must be ${keyBytes} bytes, got ${key.length}.`);
    this.#key = Buffer.from(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv(algorithm, this.#key, iv, { authTagLength: tagBytes });
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      version,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      data.toString('base64'),
    ].join(':');
  }

  decrypt(text: string): string {
    const parts = text.split(':');
    if (parts.length !== 4 || parts[0] !== version)
      throw new AppError(
        'internal',
        'A stored secret is not in a format this region can read (expected v1).',
      );
    const [iv, tag, data] = parts.slice(1).map(decodeBase64);
    if (!iv || !tag || !data || iv.length !== ivBytes || tag.length !== tagBytes)
      throw new AppError('internal', 'A stored secret is damaged: its nonce or tag is malformed.');
    const decipher = createDecipheriv(algorithm, this.#key, iv, { authTagLength: tagBytes });
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      // GCM only reports "unable to authenticate": either the text was altered or it was sealed
      // with another key. Nothing of the (unauthenticated) plaintext leaves this function.
      throw new AppError(
        'internal',
        `A stored secret cannot be decrypted: it was altered, or sealed with another key than ${secretKeyFileName}.`,
      );
    }
  }
}

function decodeBase64(part: string): Buffer | undefined {
  // Buffer.from ignores characters outside the alphabet; a strict check keeps damage visible.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(part)) return undefined;
  return Buffer.from(part, 'base64');
}

/**
 * Reads the region's 32-byte secret key from `<dataDir>/secret.key`, creating it on first use
 * (mode 0600). A key file of the wrong size, or one that the group or others may read, is
 * refused rather than repaired: either means it is not the file this region wrote.
 */
export async function loadOrCreateSecretKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, secretKeyFileName);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await createKeyFile(path);
  const created = await readKeyFile(path);
  if (!created) throw new AppError('internal', `The secret key ${path} vanished right after it was created.`);
  return created;
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isFile())
    throw new AppError(
      'internal',
      `The secret key ${path} is not a regular file; remove it or restore the original.`,
    );
  if ((info.mode & 0o077) !== 0)
    throw new AppError(
      'forbidden',
      `The secret key ${path} may be read by other users (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); ` +
        `restrict it with chmod 600 ${path}.`,
    );
  if (info.size !== keyBytes)
    throw new AppError(
      'internal',
      `The secret key ${path} holds ${info.size} bytes instead of ${keyBytes}: it is damaged or not Ferrum's. ` +
        'Restore it from a backup; a new key cannot read the secrets already stored.',
    );
  const key = await readFile(path);
  if (key.length !== keyBytes)
    throw new AppError('internal', `The secret key ${path} changed while it was read.`);
  return key;
}

/**
 * Writes a fresh key to a temporary file and hard-links it into place. Unlike a rename, the
 * link fails when the file already exists, so two regions starting at once on one data dir
 * cannot replace each other's key (the loser reads the winner's); and readers never see a
 * partly written key.
 */
async function createKeyFile(path: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(randomBytes(keyBytes));
      // open() applies the umask, which can only remove bits; chmod states the mode exactly.
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(dirname(path));
}

/** Flushes the new directory entry, so that the key survives a power loss once it is used. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the link stands.
  } finally {
    await handle?.close();
  }
}
