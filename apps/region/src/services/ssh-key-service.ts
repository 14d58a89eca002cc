import type { Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, SshKeyRow, UserRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';

const keyTypes = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Checks an OpenSSH public key line: a known type, a base64 blob whose embedded type matches. */
export function checkPublicKey(text: string): string | undefined {
  const parts = text.trim().split(/\s+/);
  const [type, blob] = parts;
  if (type === undefined || blob === undefined) return 'Invalid SSH public key: expected "<type> <base64 key> [comment]".';
  if (!keyTypes.has(type)) return `Invalid SSH public key: unknown key type '${type}'.`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'Invalid SSH public key: the key data is not base64.';
  const data = Buffer.from(blob, 'base64');
  if (data.length < 4) return 'Invalid SSH public key: the key data is too short.';
  const length = data.readUInt32BE(0);
  if (4 + length > data.length || data.subarray(4, 4 + length).toString('latin1') !== type) {
    return 'Invalid SSH public key: the key data does not match its type.';
  }
  return undefined;
}

export class SshKeyService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  list(userId: number): Promise<SshKeyRow[]> {
    return this.deps.db.selectFrom('ssh_keys').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  }

  async get(user: UserRow, id: number): Promise<SshKeyRow> {
    const row = await this.deps.db.selectFrom('ssh_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No SSH key matches the given query.');
    if (row.user_id !== user.id && !user.is_superuser) throw new AppError('forbidden', 'This SSH key belongs to another user.');
    return row;
  }

  async add(user: UserRow, key: string): Promise<SshKeyRow> {
    const problem = checkPublicKey(key);
    if (problem) throw AppError.invalid({ key: problem });
    try {
      const row = await this.deps.db.insertInto('ssh_keys').values({ user_id: user.id, key: key.trim() }).returningAll().executeTakeFirstOrThrow();
      await this.deps.events.audit(user.username, `Added SSH key ${row.id}.`);
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) throw AppError.invalid({ key: 'This key has already been added for this user.' });
      throw error;
    }
  }

  async delete(user: UserRow, id: number): Promise<void> {
    const row = await this.get(user, id);
    if (row.user_id !== user.id) throw new AppError('forbidden', 'Can only delete your own SSH keys.');
    await this.deps.db.deleteFrom('ssh_keys').where('id', '=', id).execute();
    await this.deps.events.audit(user.username, `Deleted SSH key ${id}.`);
  }
}
