import type { Kysely } from 'kysely';
import { eventLevels, type EventLevelName } from '@ferrum/domain';
import type { Database } from '../db/schema.js';

export interface NewEvent {
  readonly type: string;
  readonly level: EventLevelName;
  readonly description?: string;
  readonly action?: string;
  readonly username?: string | null;
  readonly nodeSystemId?: string | null;
  readonly nodeHostname?: string;
  readonly ipAddress?: string | null;
}

/** Writes to the events table that `events/?op=query` reads. */
export class EventService {
  constructor(private readonly db: Kysely<Database>) {}

  async record(event: NewEvent): Promise<void> {
    await this.db
      .insertInto('events')
      .values({
        type: event.type,
        level: eventLevels[event.level],
        description: event.description ?? '',
        action: event.action ?? '',
        username: event.username ?? null,
        node_system_id: event.nodeSystemId ?? null,
        node_hostname: event.nodeHostname ?? '',
        ip_address: event.ipAddress ?? null,
      })
      .execute();
  }

  /** An AUDIT event: who changed what. */
  audit(username: string, description: string): Promise<void> {
    return this.record({ type: 'AUDIT', level: 'AUDIT', description, username });
  }
}
