import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  password_hash: string;
  is_superuser: boolean;
  is_active: Generated<boolean>;
  is_local: Generated<boolean>;
  first_name: Generated<string>;
  last_name: Generated<string>;
  date_joined: Timestamp;
  last_login: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  consumer_key: string;
  token_key: string;
  token_secret: string;
  created: Timestamp;
}

export interface OauthNoncesTable {
  token_key: string;
  nonce: string;
  timestamp: number;
  seen: Timestamp;
}

export interface SshKeysTable {
  id: Generated<number>;
  user_id: number;
  key: string;
  created: Timestamp;
}

export interface NamedObjectTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface TagsTable {
  id: Generated<number>;
  name: string;
  definition: Generated<string>;
  comment: Generated<string>;
  kernel_opts: Generated<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface DomainsTable {
  id: Generated<number>;
  name: string;
  authoritative: Generated<boolean>;
  ttl: number | null;
  is_default: Generated<boolean>;
  forward_dns_servers: Generated<string[]>;
  created: Timestamp;
  updated: Timestamp;
}

export interface ConfigTable {
  name: string;
  value: ColumnType<unknown, string, string>;
  updated: Timestamp;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  level: number;
  description: Generated<string>;
  action: Generated<string>;
  username: string | null;
  node_system_id: string | null;
  node_hostname: Generated<string>;
  ip_address: string | null;
  created: Timestamp;
}

export interface RegionStateTable {
  key: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  oauth_nonces: OauthNoncesTable;
  ssh_keys: SshKeysTable;
  zones: NamedObjectTable;
  resource_pools: NamedObjectTable;
  tags: TagsTable;
  domains: DomainsTable;
  config: ConfigTable;
  events: EventsTable;
  region_state: RegionStateTable;
}

export type UserRow = Selectable<UsersTable>;
export type TokenRow = Selectable<ApiTokensTable>;
export type NamedObjectRow = Selectable<NamedObjectTable>;
export type TagRow = Selectable<TagsTable>;
export type DomainRow = Selectable<DomainsTable>;
export type EventRow = Selectable<EventsTable>;
export type SshKeyRow = Selectable<SshKeysTable>;
