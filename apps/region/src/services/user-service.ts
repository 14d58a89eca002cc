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
    const usernameProblem = checkUsername(input.username);
    if (usernameProblem) problems['username'] = usernameProblem;
    const emailProblem = checkEmail(input.email);
    if (emailProblem) problems['email'] = emailProblem;
    if (input.password.length === 0) problems['password'] = 'This field is required.';
    if (Object.keys(problems).length > 0) throw AppError.invalid(problems);
    const password_hash = await hashPassword(input.password);
    try {
      const row = await this.deps.db
        .insertInto('users')
        .values({ username: input.username, email: input.email, password_hash, is_superuser: input.isSuperuser })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.deps.events.audit(actor ?? input.username, `Created ${input.isSuperuser ? 'admin' : 'user'} '${input.username}'.`);
      return row;
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) throw AppError.invalid({ username: 'User with this Username already exists.' });
      if (isUniqueViolation(error, 'users_email_key')) throw AppError.invalid({ email: 'User with this Email address already exists.' });
      throw error;
    }
  }

  list(): Promise<UserRow[]> {
    return this.deps.db.selectFrom('users').selectAll().orderBy('id').execute();
  }

  async get(username: string): Promise<UserRow> {
    const row = await this.deps.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!row) throw new AppError('not_found', `No User matches the given query.`);
    return row;
  }

  async findById(id: number): Promise<UserRow | undefined> {
    return this.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async delete(username: string, actor: UserRow): Promise<void> {
    if (actor.username === username) throw new AppError('validation_failed', 'You cannot delete your own account.');
    const target = await this.get(username);
    if (target.is_superuser) {
      const admins = await this.deps.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('is_superuser', '=', true)
        .where('is_active', '=', true)
        .executeTakeFirstOrThrow();
      if (admins.n <= 1) throw new AppError('validation_failed', 'Cannot delete the last administrator.');
    }
    await this.deps.db.deleteFrom('users').where('id', '=', target.id).execute();
    await this.deps.events.audit(actor.username, `Deleted user '${username}'.`);
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
