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
/** How often tags whose pass did not finish are looked for. */
const RESUME_MS = 60_000;

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
 * (`applied_definition`) only when it got through them all: one a region stopped midway, or
 * whose pass failed, is taken up again by `resume` (at start and each minute after). Machines
 * whose details changed while the pass ran are evaluated again at its end, so a commissioning
 * that ended meanwhile is not overwritten by what was read before it.
 */
export class TagApplier {
  private queue: Promise<void> = Promise.resolve();
  private readonly pending = new Set<number>();
  private stopped = false;
  private logger: Logger | undefined;
  private resumer: NodeJS.Timeout | undefined;
  /** Tags whose definition failed to evaluate on a machine, told once each. */
  private readonly warned = new Set<string>();

  constructor(private readonly deps: { readonly db: Kysely<Database> }) {}

  /** Logs with `logger` from now on and takes up the tags not every machine was evaluated against. */
  start(logger: Logger): Promise<void> {
    this.logger = logger;
    this.stopped = false;
    this.resumer = setInterval(() => {
      this.resume().catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'automatic tags: resume failed');
      });
    }, RESUME_MS);
    this.resumer.unref();
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
    if (this.stopped) return;
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
    clearInterval(this.resumer);
    await this.queue;
  }

  private async applyTag(tagId: number): Promise<void> {
    const read = () =>
      this.deps.db.selectFrom('tags').select(['definition']).where('id', '=', tagId).executeTakeFirst();
    const tag = await read();
    if (!tag || tag.definition === '') return;
    const { definition } = tag;
    const began = new Date();
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
      const taggings = await this.evaluate(tagId, definition, ids);
      // Changed or deleted meanwhile: its own schedule evaluates the new definition.
      if ((await read())?.definition !== definition) return;
      await writeTagging(this.deps.db, taggings);
    }
    // Machines whose commissioning ended during the pass: their newer details decide.
    const changed = await this.deps.db
      .selectFrom('script_results as r')
      .innerJoin('script_sets as s', 's.id', 'r.script_set_id')
      .select('s.machine_id')
      .distinct()
      .where('r.script_name', 'in', [LSHW_OUTPUT, LLDP_OUTPUT])
      .where('r.updated', '>=', began)
      .execute();
    if (changed.length > 0) {
      const taggings = await this.evaluate(
        tagId,
        definition,
        changed.map((c) => c.machine_id),
      );
      if ((await read())?.definition !== definition) return;
      await writeTagging(this.deps.db, taggings);
    }
    await this.deps.db
      .updateTable('tags')
      .set({ applied_definition: definition })
      .where('id', '=', tagId)
      .where('definition', '=', definition)
      .execute();
    this.logger?.info({ tagId }, 'automatic tag evaluated over every machine');
  }

  /** Whether tag `tagId` holds for each of `machineIds`, yielding to the event loop between machines. */
  private async evaluate(
    tagId: number,
    definition: string,
    machineIds: readonly number[],
  ): Promise<Tagging[]> {
    const details = await probedDetailsOf(this.deps.db, machineIds);
    const taggings: Tagging[] = [];
    for (const machineId of machineIds) {
      const doc = detailsDocument(details.get(machineId) ?? { lshw: null, lldp: null });
      taggings.push({ machineId, tagId, on: this.holds(definition, doc) });
      await yieldToLoop();
    }
    return taggings;
  }

  /**
   * Whether a definition holds. One that fails to evaluate on these details (it was checked
   * when saved, but a predicate such as an unknown function only fails on a node it reaches)
   * does not, and is logged once.
   */
  private holds(definition: string, doc: ReturnType<typeof detailsDocument>): boolean {
    try {
      return definitionMatches(definition, doc);
    } catch (error) {
      if (!this.warned.has(definition)) {
        this.warned.add(definition);
        this.logger?.warn({ err: error, definition }, 'automatic tag: the definition fails on a machine');
      }
      return false;
    }
  }
}

/** Whether machine `machineId` has tag `tagId`. */
interface Tagging {
  readonly machineId: number;
  readonly tagId: number;
  readonly on: boolean;
}

/**
 * Gives or takes each machine its tag as `taggings` say, in two statements; a machine or tag
 * deleted since it was evaluated is left out rather than failing the rest.
 */
async function writeTagging(db: Kysely<Database>, taggings: readonly Tagging[]): Promise<void> {
  const pairs = (list: readonly Tagging[]) =>
    sql.join(list.map((t) => sql`(${t.machineId}::int, ${t.tagId}::int)`));
  const on = taggings.filter((t) => t.on);
  const off = taggings.filter((t) => !t.on);
  if (on.length > 0)
    await sql`
      INSERT INTO machine_tags (machine_id, tag_id)
      SELECT m.id, t.id FROM (VALUES ${pairs(on)}) AS v (machine_id, tag_id)
        JOIN machines m ON m.id = v.machine_id JOIN tags t ON t.id = v.tag_id
      ON CONFLICT DO NOTHING`.execute(db);
  if (off.length > 0)
    await sql`DELETE FROM machine_tags WHERE (machine_id, tag_id) IN (${pairs(off)})`.execute(db);
}
