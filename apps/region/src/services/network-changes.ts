import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * A change that affects what a rack's DHCP server or the region's DNS serves, written in the
 * same transaction as the change itself (docs/network-changes.md lists the shapes).
 *
 * - `dhcp.host`: a host entry (MAC → fixed address) appears or goes: an AUTO/STICKY link of an
 *   interface with a MAC, a USER_RESERVED address with a MAC, a reserved IP with a MAC.
 * - `dhcp.subnet`: what a subnet's DHCP configuration is made of changed (CIDR, gateway, DNS
 *   servers, dynamic ranges, managed) or the subnet came or went; consumers re-read it whole.
 * - `dhcp.vlan`: a VLAN's DHCP settings changed (dhcp_on, primary/secondary rack, relay, MTU).
 * - `dns.address`: a name → address record appears or goes (forward A/AAAA and its PTR).
 * - `dns.subnet`: a subnet's reverse zone settings changed (rdns_mode, allow_dns) or it came or went.
 */
export type NetworkChange =
  | {
      readonly kind: 'dhcp.host';
      readonly action: 'upsert' | 'remove';
      readonly subnetId: number;
      readonly vlanId: number;
      readonly ip: string;
      readonly mac: string;
      readonly hostname: string | null;
    }
  | { readonly kind: 'dhcp.subnet'; readonly subnetId: number; readonly vlanId: number }
  | { readonly kind: 'dhcp.vlan'; readonly vlanId: number }
  | {
      readonly kind: 'dns.address';
      readonly action: 'upsert' | 'remove';
      readonly subnetId: number | null;
      readonly fqdn: string;
      readonly ip: string;
      readonly ttl: number | null;
    }
  | { readonly kind: 'dns.subnet'; readonly subnetId: number };

/** A change as read back from the stream, with its position. */
export interface StoredNetworkChange {
  readonly position: StreamPosition;
  readonly change: NetworkChange;
}

/**
 * A place in the stream: after the row `id` of the transaction `tx` (an xid8, as text). The
 * stream is ordered by (tx, id), and only rows of transactions older than every transaction
 * still running are read, so a transaction that commits late is never skipped by a reader
 * that has moved on.
 */
export interface StreamPosition {
  readonly tx: string;
  readonly id: string;
}

/** Before the first change. */
export const streamStart: StreamPosition = { tx: '0', id: '0' };

/** The channel NOTIFY wakes readers on at the commit of a transaction that wrote changes. */
export const networkChangeChannel = 'ferrum_network_changes';

/** Writes and reads the network change stream (the `network_changes` outbox). */
export class NetworkChanges {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Writes `changes` in `trx`, the transaction making them, and returns its xid8: the caller
   * can later wait for a consumer to pass it (`waitFor`). Nothing is written for no changes.
   */
  async emit(trx: Kysely<Database>, changes: readonly NetworkChange[]): Promise<string | undefined> {
    if (changes.length === 0) return undefined;
    const rows = await trx
      .insertInto('network_changes')
      .values(
        changes.map((change) => ({
          kind: change.kind,
          subnet_id: 'subnetId' in change ? change.subnetId : null,
          vlan_id: 'vlanId' in change ? change.vlanId : null,
          payload: JSON.stringify(change),
        })),
      )
      .returning(sql<string>`tx::text`.as('tx'))
      .execute();
    await sql`SELECT pg_notify(${networkChangeChannel}, '')`.execute(trx);
    return rows[0]?.tx;
  }

  /** Up to `limit` changes after `after`, in order, from finished transactions only. */
  async read(after: StreamPosition, limit = 1000): Promise<StoredNetworkChange[]> {
    const rows = await sql<{ id: string; tx: string; payload: NetworkChange }>`
      SELECT id::text AS id, tx::text AS tx, payload FROM network_changes
      WHERE (tx, id) > (${after.tx}::xid8, ${after.id}::bigint)
        AND tx < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx, id
      LIMIT ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({ position: { tx: r.tx, id: r.id }, change: r.payload }));
  }

  /** Where `consumer` has applied the stream up to (streamStart when it never said). */
  async position(consumer: string): Promise<StreamPosition> {
    const row = await this.db
      .selectFrom('network_change_positions')
      .select(sql<string>`tx::text`.as('tx'))
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    // Acknowledged means every row of `tx`: resume after the last possible id of it.
    return row ? { tx: row.tx, id: '9223372036854775807' } : streamStart;
  }

  /**
   * Records that `consumer` has applied every change of the transactions up to and including
   * `tx`. Positions only move forward.
   */
  async acknowledge(consumer: string, tx: string): Promise<void> {
    await sql`
      INSERT INTO network_change_positions (consumer, tx) VALUES (${consumer}, ${tx}::xid8)
      ON CONFLICT (consumer) DO UPDATE SET tx = greatest(network_change_positions.tx, excluded.tx),
        updated = now()`.execute(this.db);
  }

  /**
   * Resolves true once `consumer` has acknowledged `tx` (or a later transaction), false when
   * `timeoutMs` passes first: what an API call waits on for "in DHCP before the call returns".
   */
  async waitFor(consumer: string, tx: string, timeoutMs: number, pollMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = await sql<{ done: boolean }>`
        SELECT EXISTS (SELECT 1 FROM network_change_positions
          WHERE consumer = ${consumer} AND tx >= ${tx}::xid8) AS done`.execute(this.db);
      if (done.rows[0]?.done === true) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * Deletes changes older than `olderThan` that every known consumer has passed (all of them
   * when there is no consumer: a consumer starting later reads the whole state, not history).
   */
  async prune(olderThan: Date): Promise<number> {
    const result = await sql`
      DELETE FROM network_changes
      WHERE created < ${olderThan}
        AND (NOT EXISTS (SELECT 1 FROM network_change_positions)
          OR tx <= (SELECT min(tx) FROM network_change_positions))`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
