import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '@ferrum/kit';
import { resultTypes, scriptStatusValue } from '@ferrum/domain';
import type { Database } from '../db/schema.js';
import { definitionMatches, detailsDocument, type HardwareDetails } from './tag-definition.js';

/** The commissioning scripts whose output is a machine's details (MAAS's LSHW/LLDP_OUTPUT_NAME). */
export const LSHW_OUTPUT = 'maas-lshw';
export const LLDP_OUTPUT = 'maas-capture-lldpd';

/** Machines evaluated per read of their details. */
const BATCH = 100;

/**
 * The details of `machineIds` (MAAS's get_single_probed_details): the output of maas-lshw and
 * maas-capture-lldpd in each one's current commissioning set, when they passed.
 */
export async function probedDetailsOf(
  db: Kysely<Database>,
  machineIds: readonly number[],
): Promise<Map<number, HardwareDetails>> {
  const out = new Map<number, HardwareDetails>(machineIds.map((id) => [id, { lshw: null, lldp: null }]));
  if (machineIds.length === 0) return out;
  const rows = await sql<{ machine_id: number; script_name: string; stdout: Buffer }>`
    SELECT s.machine_id, r.script_name, r.stdout
      FROM (SELECT DISTINCT ON (machine_id) id, machine_id FROM script_sets
             WHERE machine_id IN (${sql.join(machineIds)}) AND result_type = ${resultTypes.commissioning.value}
             ORDER BY machine_id, id DESC) s
      JOIN script_results r ON r.script_set_id = s.id
     WHERE r.script_name IN (${LSHW_OUTPUT}, ${LLDP_OUTPUT}) AND r.status = ${scriptStatusValue('PASSED')}`.execute(
    db,
  );
  for (const row of rows.rows) {
    const details = out.get(row.machine_id) ?? { lshw: null, lldp: null };
    out.set(row.machine_id, {
      ...details,
      ...(row.script_name === LSHW_OUTPUT ? { lshw: row.stdout } : { lldp: row.stdout }),
    });
  }
  return out;
}

/**
 * Automatic tags (MAAS's tags with a `definition`): the XPath definition is evaluated against
 * each machine's details, and the machine gets the tag exactly when it holds. A machine is
 * evaluated against every such tag when its commissioning ends; a tag against every machine
 * when it is created or its definition changes — in the background, a batch of machines at a
 * time and yielding between machines, so the region keeps answering, and marked done
 * (`applied_definition`) only when it got through them all: one a region stopped midway is
 * taken up again at the next start (`resume`).
 */
export class TagApplier {
  private queue: Promise<void> = Promise.resolve();
  private readonly pending = new Set<number>();
  private stopped = false;
  private logger: Logger | undefined;

  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  /** Logs with `logger` from now on and takes up the tags not every machine was evaluated against. */
  start(logger: Logger): Promise<void> {
    this.logger = logger;
    this.stopped = false;
    return this.resume();
  }

  /** Evaluates every tag with a definition against the machine, in `db` (a transaction of its caller). */
  async applyToMachine(machineId: number, db: Kysely<Database> = this.deps.db): Promise<void> {
    const tags = await db
      .selectFrom('tags')
      .select(['id', 'definition'])
      .where('definition', '<>', '')
      .execute();
    if (tags.length === 0) return;
    const details = (await probedDetailsOf(db, [machineId])).get(machineId) ?? { lshw: null, lldp: null };
    const doc = detailsDocument(details);
    await writeTagging(
      db,
      tags.map((t) => ({ machineId, tagId: t.id, on: this.holds(t.definition, doc) })),
    );
  }

  /** Evaluates tag `tagId` against every machine, after the work already queued. */
  schedule(tagId: number): Promise<void> {
    if (this.pending.has(tagId)) return this.queue;
    this.pending.add(tagId);
    this.queue = this.queue
      .then(() => {
        this.pending.delete(tagId);
        return this.applyTag(tagId);
      })
      .catch((error: unknown) => {
        this.logger?.error({ err: error, tagId }, 'automatic tag evaluation failed');
      });
    return this.queue;
  }

  /** Schedules the tags whose definition not every machine was evaluated against. */
  async resume(): Promise<void> {
    const tags = await this.deps.db
      .selectFrom('tags')
      .select('id')
      .where('definition', '<>', '')
      .where(sql<boolean>`applied_definition IS DISTINCT FROM definition`)
      .orderBy('id')
      .execute();
    for (const tag of tags) void this.schedule(tag.id);
  }

  /** Resolves when the work scheduled so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Stops after the machine being evaluated; what is left is resumed at the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
  }

  private async applyTag(tagId: number): Promise<void> {
    const read = () =>
      this.deps.db.selectFrom('tags').select(['definition']).where('id', '=', tagId).executeTakeFirst();
    const tag = await read();
    if (!tag || tag.definition === '') return;
    const { definition } = tag;
    let after = 0;
    for (;;) {
      if (this.stopped) return;
      const machines = await this.deps.db
        .selectFrom('machines')
        .select('id')
        .where('id', '>', after)
        .orderBy('id')
        .limit(BATCH)
        .execute();
      if (machines.length === 0) break;
      const ids = machines.map((m) => m.id);
      after = ids[ids.length - 1] ?? after;
      const details = await probedDetailsOf(this.deps.db, ids);
      const matched: number[] = [];
      for (const id of ids) {
        if (this.holds(definition, detailsDocument(details.get(id) ?? { lshw: null, lldp: null })))
          matched.push(id);
        await yieldToLoop();
      }
      // Changed or deleted meanwhile: its own schedule evaluates the new definition.
      if ((await read())?.definition !== definition) return;
      await this.deps.db.transaction().execute((trx) =>
        writeTagging(
          trx,
          ids.map((machineId) => ({ machineId, tagId, on: matched.includes(machineId) })),
        ),
      );
    }
    await this.deps.db
      .updateTable('tags')
      .set({ applied_definition: definition })
      .where('id', '=', tagId)
      .where('definition', '=', definition)
      .execute();
    this.logger?.info({ tagId }, 'automatic tag evaluated over every machine');
  }

  /** Whether a definition holds; one that fails to evaluate (it was checked when saved) does not. */
  private holds(definition: string, doc: ReturnType<typeof detailsDocument>): boolean {
    try {
      return definitionMatches(definition, doc);
    } catch {
      return false;
    }
  }
}

/** Gives or takes each machine its tag as `taggings` say, in two statements. */
async function writeTagging(
  db: Kysely<Database>,
  taggings: readonly { readonly machineId: number; readonly tagId: number; readonly on: boolean }[],
): Promise<void> {
  const on = taggings.filter((t) => t.on);
  const off = taggings.filter((t) => !t.on);
  if (on.length > 0)
    await db
      .insertInto('machine_tags')
      .values(on.map((t) => ({ machine_id: t.machineId, tag_id: t.tagId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  if (off.length > 0)
    await sql`DELETE FROM machine_tags WHERE (machine_id, tag_id) IN (${sql.join(
      off.map((t) => sql`(${t.machineId}::int, ${t.tagId}::int)`),
    )})`.execute(db);
}
