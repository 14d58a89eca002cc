import { sql, type Kysely } from 'kysely';

// Forward-only: a migration is never edited once released; a fix is a new migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('users')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_superuser', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('is_local', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('date_joined', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('last_login', 'timestamptz')
    .execute();
  // E-mail addresses are unique ignoring case, as MAAS's user form requires.
  await sql`CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> ''`.execute(db);

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('consumer_key', 'text', (c) => c.notNull().unique())
    .addColumn('token_key', 'text', (c) => c.notNull().unique())
    .addColumn('token_secret', 'text', (c) => c.notNull())
    .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('api_tokens_user_id').on('api_tokens').column('user_id').execute();

  // Seen OAuth nonces. UNLOGGED: a nonce only matters inside the 300 s timestamp window, so
  // losing the table in a crash opens at most that window again, and WAL-free inserts keep
  // every signed request cheap.
  await sql`
    CREATE UNLOGGED TABLE oauth_nonces (
      token_key text NOT NULL,
      nonce text NOT NULL,
      timestamp bigint NOT NULL,
      seen timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (token_key, nonce)
    )`.execute(db);
  await db.schema.createIndex('oauth_nonces_seen').on('oauth_nonces').column('seen').execute();

  await db.schema
    .createTable('ssh_keys')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('ssh_keys_user_key', ['user_id', 'key'])
    .execute();

  for (const table of ['zones', 'resource_pools']) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updated', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
  }

  await db.schema
    .createTable('tags')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('definition', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kernel_opts', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('domains')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('authoritative', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('ttl', 'integer')
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('forward_dns_servers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  // Exactly one default domain: at most one row may carry the flag.
  await sql`CREATE UNIQUE INDEX domains_one_default ON domains (is_default) WHERE is_default`.execute(db);

  await db.schema
    .createTable('config')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('action', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('username', 'text')
    .addColumn('node_system_id', 'text')
    .addColumn('node_hostname', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ip_address', 'text')
    .addColumn('created', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('events_node').on('events').columns(['node_system_id', 'id']).execute();
  await db.schema.createIndex('events_level').on('events').columns(['level', 'id']).execute();

  await db.schema
    .createTable('region_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  // What exists from the first start: the default zone, pool and domain.
  await sql`INSERT INTO zones (name, description) VALUES ('default', '')`.execute(db);
  await sql`INSERT INTO resource_pools (name, description) VALUES ('default', 'Default pool')`.execute(db);
  await sql`INSERT INTO domains (name, authoritative, is_default) VALUES ('maas', true, true)`.execute(db);
}
