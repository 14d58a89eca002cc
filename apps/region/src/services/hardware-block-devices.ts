import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A physical disk to record on a machine. */
export interface DiskRecord {
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  readonly model: string;
  readonly serial: string;
  readonly idPath: string | null;
  readonly blockSize: number;
  readonly firmwareVersion: string | null;
  readonly numaNode: number;
  readonly tags: readonly string[];
}

/** What a disk already recorded is known by. */
export interface RecordedDisk {
  readonly id: number;
  readonly name: string;
  readonly serial: string;
  readonly id_path: string | null;
}

/** Which recorded disks the new list updates (keeping their ids), which are new, which are gone. */
export interface DiskMatch {
  readonly updates: readonly {
    readonly id: number;
    readonly from: RecordedDisk;
    readonly disk: DiskRecord;
  }[];
  readonly inserts: readonly DiskRecord[];
  readonly deletes: readonly number[];
}

/**
 * Pairs the disks found with those recorded, each recorded one taken at most once: first by
 * id_path, then by serial, then by name — a name only when the serials do not disagree, so a
 * disk swapped for another in the same slot is a new disk, not the old one changed. Kept disks
 * keep their ids (what partitions, filesystems and script results point at), as MAAS's
 * `_update_node_physical_block_devices` does.
 */
export function matchDisks(recorded: readonly RecordedDisk[], found: readonly DiskRecord[]): DiskMatch {
  const free = new Map(recorded.map((r) => [r.id, r]));
  const pairs = new Map<number, RecordedDisk>();
  const passes: ((r: RecordedDisk, d: DiskRecord) => boolean)[] = [
    (r, d) => d.idPath !== null && d.idPath !== '' && r.id_path === d.idPath,
    (r, d) => d.serial !== '' && r.serial === d.serial,
    (r, d) => r.name === d.name && (r.serial === '' || d.serial === '' || r.serial === d.serial),
  ];
  for (const pass of passes)
    found.forEach((disk, i) => {
      if (pairs.has(i)) return;
      for (const r of free.values())
        if (pass(r, disk)) {
          pairs.set(i, r);
          free.delete(r.id);
          return;
        }
    });
  const updates: { id: number; from: RecordedDisk; disk: DiskRecord }[] = [];
  const inserts: DiskRecord[] = [];
  found.forEach((disk, i) => {
    const r = pairs.get(i);
    if (r) updates.push({ id: r.id, from: r, disk });
    else inserts.push(disk);
  });
  return { updates, inserts, deletes: [...free.keys()] };
}

/**
 * Makes the machine's block devices those of `found`, matched in place (`matchDisks`): the
 * caller's transaction, with the machine's row locked.
 */
export async function syncBlockDevices(
  trx: Kysely<Database>,
  machineId: number,
  found: readonly DiskRecord[],
): Promise<DiskMatch> {
  const recorded = await trx
    .selectFrom('block_devices')
    .select(['id', 'name', 'serial', 'id_path'])
    .where('machine_id', '=', machineId)
    .orderBy('id')
    .execute();
  const match = matchDisks(recorded, found);
  if (match.deletes.length > 0)
    await trx
      .deleteFrom('block_devices')
      .where('id', '=', (eb) => eb.fn.any(eb.val([...match.deletes])))
      .execute();
  // Names are unique on a machine: kept disks that change name (sda and sdb swapped) first
  // take a temporary one, as MAAS renames them to `<name>.<id>`.
  const renamed = match.updates.filter((u) => u.from.name !== u.disk.name).map((u) => u.id);
  if (renamed.length > 0)
    await trx
      .updateTable('block_devices')
      .set({ name: sql<string>`name || '.' || id::text` })
      .where('id', '=', (eb) => eb.fn.any(eb.val(renamed)))
      .execute();
  for (const { id, disk } of match.updates)
    await trx.updateTable('block_devices').set(columns(disk)).where('id', '=', id).execute();
  if (match.inserts.length > 0)
    await trx
      .insertInto('block_devices')
      .values(match.inserts.map((d) => ({ machine_id: machineId, ...columns(d) })))
      .execute();
  return match;
}

function columns(d: DiskRecord) {
  return {
    name: d.name,
    size: d.size,
    model: d.model,
    serial: d.serial,
    id_path: d.idPath,
    block_size: d.blockSize,
    firmware_version: d.firmwareVersion,
    numa_node: d.numaNode,
    tags: [...d.tags],
  };
}
