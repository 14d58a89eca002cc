import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createLogger } from '@ferrum/kit';
import { NetworkChangePruner } from '../../src/jobs/network-change-pruner.js';
import {
  NetworkChanges,
  streamStart,
  type NetworkChange,
  type StreamPosition,
} from '../../src/services/network-changes.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

function changes(): NetworkChanges {
  return region.services.networkChanges;
}

let n = 0;
/** A distinct change each call, to tell them apart when read back. */
function change(): NetworkChange {
  n += 1;
  return {
    kind: 'dns.address',
    action: 'upsert',
    subnetId: null,
    fqdn: `host-${n}.test`,
    ip: `192.0.2.${n}`,
    ttl: null,
  };
}

/** Everything readable after `after`, and the position after the last of it. */
async function readAll(after: StreamPosition): Promise<{ read: NetworkChange[]; position: StreamPosition }> {
  const rows = await changes().read(after);
  return { read: rows.map((r) => r.change), position: rows.at(-1)?.position ?? after };
}

/** Runs a transaction that emits `emitted` and then waits, open, until `finish` is called. */
function openTransaction(emitted: NetworkChange[], outcome: 'commit' | 'rollback') {
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  let ready!: (tx: string | undefined) => void;
  const written = new Promise<string | undefined>((resolve) => (ready = resolve));
  const done = region.database.db
    .transaction()
    .execute(async (trx) => {
      ready(await changes().emit(trx, emitted));
      await gate;
      if (outcome === 'rollback') throw new Error('rolled back on purpose');
    })
    .catch((error: unknown) => {
      if (outcome !== 'rollback') throw error;
    });
  return { written, finish, done };
}

describe(NetworkChanges, () => {
  it('never shows the changes of a transaction that rolled back', async () => {
    const { position } = await readAll(streamStart);
    const lost = change();
    const t = openTransaction([lost], 'rollback');
    await t.written;
    t.finish();
    await t.done;
    const kept = change();
    await region.database.db.transaction().execute((trx) => changes().emit(trx, [kept]));
    expect((await readAll(position)).read).toEqual([kept]);
  });

  it('holds back later changes until an earlier transaction finishes, so none is skipped', async () => {
    const start = (await readAll(streamStart)).position;
    const early = change();
    const late = change();
    // `early` is written first (older transaction id) but commits last, on another connection.
    const t = openTransaction([early], 'commit');
    await t.written;
    await region.database.db.transaction().execute((trx) => changes().emit(trx, [late]));
    // A reader now must not move past `late`: it would never come back for `early`.
    const meanwhile = await readAll(start);
    expect(meanwhile.read).toEqual([]);
    t.finish();
    await t.done;
    const after = await readAll(meanwhile.position);
    expect(after.read).toEqual([early, late]);
    expect((await readAll(after.position)).read).toEqual([]);
  });

  it('keeps the order of the changes within one transaction', async () => {
    const start = (await readAll(streamStart)).position;
    const batch = [change(), change(), change()];
    await region.database.db.transaction().execute((trx) => changes().emit(trx, batch));
    expect((await readAll(start)).read).toEqual(batch);
  });

  it('wakes a waiter once the consumer acknowledges the transaction, and times out otherwise', async () => {
    const tx = await region.database.db.transaction().execute((trx) => changes().emit(trx, [change()]));
    if (tx === undefined) throw new Error('emit returned no transaction id');
    const waiting = changes().waitFor('rack-a/dhcp', tx, 5_000, 10);
    await new Promise((r) => setTimeout(r, 50));
    await changes().acknowledge('rack-a/dhcp', tx);
    expect(await waiting).toBe(true);
    expect(await changes().waitFor('rack-b/dhcp', tx, 100, 10)).toBe(false);
    // Positions never move back: acknowledging an older transaction keeps the newer one.
    await changes().acknowledge('rack-a/dhcp', '1');
    expect((await changes().position('rack-a/dhcp')).tx).toBe(tx);
    // A consumer resuming from its position reads nothing it already applied.
    expect((await readAll(await changes().position('rack-a/dhcp'))).read).toEqual([]);
  });

  it('writes nothing, and returns no transaction, for no changes', async () => {
    const before = await region.database.db.selectFrom('network_changes').select('id').execute();
    expect(await region.database.db.transaction().execute((trx) => changes().emit(trx, []))).toBeUndefined();
    expect(await region.database.db.selectFrom('network_changes').select('id').execute()).toHaveLength(
      before.length,
    );
  });
});

describe(NetworkChangePruner, () => {
  it('deletes week-old changes every consumer has passed, and keeps the rest', async () => {
    const db = region.database.db;
    const old = await db.transaction().execute((trx) => changes().emit(trx, [change()]));
    const behind = await db.transaction().execute((trx) => changes().emit(trx, [change()]));
    const recent = await db.transaction().execute((trx) => changes().emit(trx, [change()]));
    if (old === undefined || behind === undefined || recent === undefined) throw new Error('no tx');
    await sql`UPDATE network_changes SET created = now() - interval '8 days' WHERE tx IN (${sql.join([
      sql`${old}::xid8`,
      sql`${behind}::xid8`,
    ])})`.execute(db);
    // Every consumer has passed `old`; the slowest has not passed `behind`.
    const consumers = await db.selectFrom('network_change_positions').select('consumer').execute();
    for (const { consumer } of consumers) await changes().acknowledge(consumer, old);
    await changes().acknowledge('slow/dns', old);
    const pruner = new NetworkChangePruner(changes(), createLogger({ level: 'silent', pretty: false }));
    expect(await pruner.prune()).toBeGreaterThanOrEqual(1);
    const left = await db
      .selectFrom('network_changes')
      .select(sql<string>`tx::text`.as('tx'))
      .execute();
    const txs = left.map((r) => r.tx);
    expect(txs).not.toContain(old);
    expect(txs).toContain(behind);
    expect(txs).toContain(recent);
  });
});
