import type { Kysely } from 'kysely';
import { AppError, checkEmail, checkUsername } from '@ferrum/domain';
import type { Database, UserRow } from '../db/schema.js';
import { hashPassword, verifyPassword } from '../crypto/password-hash.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';

export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly isSuperuser: boolean;
}

export interface UserServiceDeps {
  readonly db: Kysely<Database>;
  readonly events: EventService;
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  async create(input: NewUser, actor?: string): Promise<UserRow> {
    const problems: Record<string, string> = {};
    const required = 'This field is required.';
    const usernameProblem = input.username === '' ? required : checkUsername(input.username);
    if (usernameProblem) problems['username'] = usernameProblem;
    const emailProblem = input.email === '' ? required : checkEmail(input.email);
    if (emailProblem) problems['email'] = emailProblem;
    if (input.password.length === 0) problems['password'] = required;
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
    const password_hash = await hashPassword(input.password);
    try {
      const row = await this.deps.db
        .insertInto('users')
        .values({
          username: input.username,
          email: input.email,
          password_hash,
          is_superuser: input.isSuperuser,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(
        actor ?? input.username,
        `Created ${input.isSuperuser ? 'admin' : 'user'} '${input.username}'.`,
      );
      return row;
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key'))
        throw AppError.invalid({ username: 'User with this Username already exists.' });
      if (isUniqueViolation(error, 'users_email_key'))
        throw AppError.invalid({ email: 'User with this Email address already exists.' });
      throw error;
    }
  }

  /** Every user, ordered by username as MAAS lists them. */
  list(): Promise<UserRow[]> {
    return this.deps.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async get(username: string): Promise<UserRow> {
    const row = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No User matches the given query.`);
    return row;
  }

  /**
   * Deletes a user (its API keys and SSH keys go with it). Refuses self-deletion and the
   * deletion of the last active administrator, also when two administrators delete each
   * other at the same time. A user who owns machines is deleted only with `transferTo`,
   * another existing user, who then owns them: the move and the delete are one transaction.
   */
  async delete(username: string, actor: UserRow, transferTo?: string): Promise<void> {
    if (actor.username === username)
      throw new AppError('validation_failed', 'An administrator cannot self-delete.');
    const deleted = await this.deps.db.transaction().execute(async (tx) => {
      // Lock every active administrator, in id order so that concurrent deletions queue up
      // instead of deadlocking; a row deleted meanwhile drops out of the locked set, so the
      // count below is the number of administrators that will remain candidates.
      const admins = await tx
        .selectFrom('users')
        .select(['id'])
        .where('is_superuser', '=', true)
        .where('is_active', '=', true)
        .orderBy('id')
        .forUpdate()
        .execute();
      // The row lock also holds off machines being given to this user meanwhile: setting
      // machines.owner_id checks the foreign key with FOR KEY SHARE on this row, which waits
      // for us. An allocation that got its key share first makes us wait for it to commit, and
      // the machine count below (a new snapshot) then sees its machine.
      const target = await tx
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .forUpdate()
        .executeTakeFirst();
      if (!target) throw new AppError('not_found', 'No User matches the given query.');
      let heirId: number | undefined;
      if (transferTo !== undefined) {
        if (transferTo === username)
          throw AppError.invalid({
            transfer_resources_to: 'Cannot transfer resources to the user being deleted.',
          });
        // No lock needed: moving the machines checks the foreign key, which key-shares the heir.
        const heir = await tx
          .selectFrom('users')
          .select('id')
          .where('username', '=', transferTo)
          .executeTakeFirst();
        // MAAS looks the heir up with get_object_or_404, hence 404 rather than 400.
        if (!heir)
          throw new AppError(
            'not_found',
            `No User matches the given query: transfer_resources_to '${transferTo}' does not exist.`,
          );
        heirId = heir.id;
      }
      if (target.is_superuser && target.is_active && admins.length <= 1) {
        throw new AppError('validation_failed', 'Cannot delete the last administrator.');
      }
      let transferred = 0;
      if (heirId !== undefined) {
        const moved = await tx
          .updateTable('machines')
          .set({ owner_id: heirId, updated: new Date() })
          .where('owner_id', '=', target.id)
          .executeTakeFirst();
        transferred = Number(moved.numUpdatedRows);
      }
      const { owned } = await tx
        .selectFrom('machines')
        .select((eb) => eb.fn.countAll<string>().as('owned'))
        .where('owner_id', '=', target.id)
        .executeTakeFirstOrThrow();
      if (Number(owned) > 0)
        // MAAS's CannotDeleteUserException text (maasserver/models/userprofile.py), sent as 400.
        throw new AppError(
          'validation_failed',
          `User ${username} cannot be deleted: ${owned} node(s) are still allocated to this user.`,
        );
      await tx.deleteFrom('users').where('id', '=', target.id).execute();
      return { target, transferred };
    });
    const what = `${deleted.target.is_superuser ? 'admin' : 'user'} '${username}'`;
    await this.deps.events.audit(
      actor.username,
      deleted.transferred > 0 && transferTo !== undefined
        ? `Deleted ${what}; transferred ${String(deleted.transferred)} machine(s) to '${transferTo}'.`
        : `Deleted ${what}.`,
    );
  }

  /** The user with these credentials, or undefined; costs one password hash either way. */
  async checkPassword(username: string, password: string): Promise<UserRow | undefined> {
    const row = await this.deps.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('is_active', '=', true)
      .executeTakeFirst();
    // Hash even for unknown users so that timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? dummyHash);
    return row && ok ? row : undefined;
  }
}

const dummyHash = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
