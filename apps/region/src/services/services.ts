import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ConfigService } from './config-service.js';
import { DatabaseStatusService } from './database-status-service.js';
import { DomainService } from './domain-service.js';
import { EventService } from './event-service.js';
import { NamedObjectService, poolKind, zoneKind } from './named-object-service.js';
import { SshKeyService } from './ssh-key-service.js';
import { TagService } from './tag-service.js';
import { TokenService } from './token-service.js';
import { UserService } from './user-service.js';

export interface Services {
  readonly databaseStatus: DatabaseStatusService;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly events: EventService;
  readonly config: ConfigService;
  readonly zones: NamedObjectService;
  readonly pools: NamedObjectService;
  readonly tags: TagService;
  readonly domains: DomainService;
  readonly sshKeys: SshKeyService;
}

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  readonly nowSeconds?: () => number;
}

export function createServices({
  db,
  nowSeconds = () => Math.floor(Date.now() / 1000),
}: ServiceDeps): Services {
  const events = new EventService(db);
  const common = { db, events };
  return {
    databaseStatus: new DatabaseStatusService(db),
    events,
    users: new UserService(common),
    tokens: new TokenService({ db, nowSeconds }),
    config: new ConfigService(common),
    zones: new NamedObjectService(zoneKind, common),
    pools: new NamedObjectService(poolKind, common),
    tags: new TagService(common),
    domains: new DomainService(common),
    sshKeys: new SshKeyService(common),
  };
}
