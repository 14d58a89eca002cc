import type { Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, SshKeyRow, UserRow } from '../db/schema.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/pg-errors.js';
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

/** Migration 0002's unique index on (user_id, key type, key data). */
const SSH_KEY_MATERIAL_INDEX = 'ssh_keys_user_material';

interface ParsedPublicKey {
  readonly type: string;
  readonly blob: string;
  readonly comment: string;
}

/**
 * Parses one OpenSSH public key line: a known type, a base64 blob whose embedded type
 * matches, an optional comment. Returns a message saying what is wrong instead when it is not one.
 */
function parsePublicKey(text: string): ParsedPublicKey | string {
  const trimmed = text.trim();
  // One key per request: a second line would reach authorized_keys unchecked.
  if (/[\r\n]/.test(trimmed)) return 'Invalid SSH public key: give exactly one key (one line).';
  const [type, blob, ...comment] = trimmed.split(/\s+/);
  if (type === undefined || type === '' || blob === undefined)
    return 'Invalid SSH public key: expected "<type> <base64 key> [comment]".';
  if (!keyTypes.has(type)) return `Invalid SSH public key: unknown key type '${type}'.`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'Invalid SSH public key: the key data is not base64.';
  const data = Buffer.from(blob, 'base64');
  if (data.length < 4) return 'Invalid SSH public key: the key data is too short.';
  const length = data.readUInt32BE(0);
  if (4 + length > data.length || data.subarray(4, 4 + length).toString('latin1') !== type) {
    return 'Invalid SSH public key: the key data does not match its type.';
  }
  // The blob must carry key material after the type name, not just the name.
  if (data.length <= 4 + length + 4) return 'Invalid SSH public key: the key data is too short.';
  return { type, blob, comment: comment.join(' ') };
}

export class SshKeyService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  list(userId: number): Promise<SshKeyRow[]> {
    return this.deps.db
      .selectFrom('ssh_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
  }

  /** A key the user may see: their own, or any key for an administrator. */
  async get(user: UserRow, id: number): Promise<SshKeyRow> {
    const row = await this.deps.db.selectFrom('ssh_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No SSHKey matches the given query.');
    if (row.user_id !== user.id && !user.is_superuser)
      throw new AppError('forbidden', "Can't access a key you don't own.");
    return row;
  }

  /**
   * Adds a key to `owner`'s account (the actor's own unless an administrator names another
   * user). The same key material twice for one user is refused, whatever its comment: the
   * unique index on (user, type, key data) decides, so concurrent adds store one copy.
   */
  async add(owner: UserRow, key: string, actor: UserRow = owner): Promise<SshKeyRow> {
    const parsed = parsePublicKey(key);
    if (typeof parsed === 'string') throw AppError.invalid({ key: parsed });
    // Stored normalised (single spaces), which the unique index's split_part relies on.
    const normalised = [parsed.type, parsed.blob, ...(parsed.comment === '' ? [] : [parsed.comment])].join(
      ' ',
    );
    try {
      const row = await this.deps.db
        .insertInto('ssh_keys')
        .values({ user_id: owner.id, key: normalised })
        .returningAll()
        .executeTakeFirstOrThrow();
      const whose = owner.id === actor.id ? '' : ` for user '${owner.username}'`;
      await this.deps.events.audit(actor.username, `Added SSH key id='${row.id}'${whose}.`);
      return row;
    } catch (error) {
      if (isUniqueViolation(error, SSH_KEY_MATERIAL_INDEX))
        throw AppError.invalid({ key: 'This key has already been added for this user.' });
      // The owner was deleted while the key was being added.
      if (isForeignKeyViolation(error)) throw new AppError('not_found', 'No User matches the given query.');
      throw error;
    }
  }

  /** Deletes one of the user's own keys; nobody, administrators included, deletes another's. */
  async delete(user: UserRow, id: number): Promise<void> {
    const row = await this.deps.db
      .selectFrom('ssh_keys')
      .select(['id', 'user_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No SSHKey matches the given query.');
    if (row.user_id !== user.id) throw new AppError('forbidden', "Can't delete a key you don't own.");
    await this.deps.db.deleteFrom('ssh_keys').where('id', '=', id).execute();
    await this.deps.events.audit(user.username, `Deleted SSH key id='${id}'.`);
  }
}
