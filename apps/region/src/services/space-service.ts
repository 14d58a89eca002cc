import { sql, type Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, SpaceRow, SubnetRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { findSpace } from './network-lookup.js';
import { checkNetworkName } from './network-name.js';
import { uniqueNameError } from './unique-name-error.js';
import { loadVlanViews, type VlanView } from './vlan-views.js';

/** Space fields as a form sends them; undefined = not sent. */
export interface SpaceInput {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
}

export interface SpaceWithMembers {
  /** Null for MAAS's pseudo-space "undefined" (id -1): the VLANs without a space. */
  readonly space: SpaceRow | null;
  readonly vlans: readonly VlanView[];
  readonly subnets: readonly { readonly subnet: SubnetRow; readonly vlan: VlanView }[];
}

const UNDEFINED = 'undefined';

/** Whether a URL key names the pseudo-space "undefined" (`-1` or its name). */
function isUndefinedKey(key: string): boolean {
  return key === '-1' || key === UNDEFINED;
}

/** Spaces (groups of VLANs, and so of their subnets): listed, created, renamed and deleted. */
export class SpaceService {
  constructor(private readonly deps: { readonly db: Kysely<Database>; readonly events: EventService }) {}

  /** Every space by id, then the pseudo-space "undefined" when some VLAN has no space (as MAAS). */
  async list(): Promise<SpaceWithMembers[]> {
    const spaces = await this.deps.db.selectFrom('spaces').selectAll().orderBy('id').execute();
    const members = await this.members(null);
    const result = spaces.map((space) => members(space));
    const undefinedSpace = members(null);
    if (undefinedSpace.vlans.length > 0) result.push(undefinedSpace);
    return result;
  }

  /**
   * A space by id or name. `-1` is always the pseudo-space "undefined"; its name only while
   * some VLAN has no space (MAAS's SpaceHandler.read).
   */
  async get(key: string): Promise<SpaceWithMembers> {
    if (key === '-1') return (await this.members(null))(null);
    if (key === UNDEFINED) {
      const undefinedSpace = (await this.members(null))(null);
      if (undefinedSpace.vlans.length > 0) return undefinedSpace;
    }
    const space = await findSpace(this.deps.db, key);
    return (await this.members(space.id))(space);
  }

  async create(input: SpaceInput, actor: string): Promise<SpaceWithMembers> {
    const name = input.name?.trim() ?? '';
    if (name !== '') this.checkName(name, undefined);
    try {
      const space = await this.deps.db.transaction().execute(async (trx) => {
        // The id first: an unnamed space is named after it, and names are unique.
        const next = await sql<{ id: number }>`SELECT nextval('spaces_id_seq')::int AS id`.execute(trx);
        const id = next.rows[0]?.id;
        if (id === undefined) throw new Error('nextval returned no row');
        const row = await trx
          .insertInto('spaces')
          .values({ id, name: name === '' ? `space-${id}` : name, description: input.description ?? '' })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.audit(trx, actor, `Created space '${row.name}'.`);
        return row;
      });
      return await this.get(String(space.id));
    } catch (error) {
      throw uniqueNameError(error, 'Space');
    }
  }

  async update(key: string, input: SpaceInput, actor: string): Promise<SpaceWithMembers> {
    if (isUndefinedKey(key))
      throw new AppError('validation_failed', `Space cannot be modified: ${UNDEFINED}`);
    const current = await findSpace(this.deps.db, key);
    let name = input.name?.trim();
    // An emptied name is the default one, as MAAS's clean_name sets it.
    if (name === '') name = `space-${current.id}`;
    if (name !== undefined) this.checkName(name, current.id);
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('spaces')
          .set({
            ...(name !== undefined ? { name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            updated: new Date(),
          })
          .where('id', '=', current.id)
          .returning('name')
          .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Space matches the given query.'));
        await this.audit(trx, actor, `Updated space '${row.name}'.`);
      });
    } catch (error) {
      throw uniqueNameError(error, 'Space');
    }
    return this.get(String(current.id));
  }

  /** Deletes a space; its VLANs are left without one (the schema's ON DELETE SET NULL). */
  async delete(key: string, actor: string): Promise<void> {
    if (isUndefinedKey(key)) throw new AppError('validation_failed', `Space cannot be deleted: ${UNDEFINED}`);
    const space = await findSpace(this.deps.db, key);
    await this.deps.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('spaces')
        .where('id', '=', space.id)
        .returning('name')
        .executeTakeFirst();
      if (!deleted) throw new AppError('not_found', 'No Space matches the given query.');
      await this.audit(trx, actor, `Deleted space '${deleted.name}'.`);
    });
  }

  /**
   * The VLANs and subnets of one space (`spaceId`), or of all spaces when null, read once;
   * returns how to assemble a space (null: the pseudo-space "undefined") from them.
   */
  private async members(spaceId: number | null): Promise<(space: SpaceRow | null) => SpaceWithMembers> {
    let vlanQuery = this.deps.db.selectFrom('vlans').select(['id', 'space_id']).orderBy('id');
    if (spaceId !== null) vlanQuery = vlanQuery.where('space_id', '=', spaceId);
    const vlanRows = await vlanQuery.execute();
    const views = await loadVlanViews(
      this.deps.db,
      vlanRows.map((v) => v.id),
    );
    const subnets =
      vlanRows.length === 0
        ? []
        : await this.deps.db
            .selectFrom('subnets')
            .selectAll()
            .where(
              'vlan_id',
              'in',
              vlanRows.map((v) => v.id),
            )
            .orderBy('id')
            .execute();
    return (space) => {
      const wanted = space?.id ?? null;
      const vlans = vlanRows.filter((v) => v.space_id === wanted).flatMap((v) => views.get(v.id) ?? []);
      const inSpace = new Set(vlans.map((v) => v.id));
      return {
        space,
        vlans,
        subnets: subnets.flatMap((subnet) => {
          const vlan = views.get(subnet.vlan_id);
          return vlan && inSpace.has(vlan.id) ? [{ subnet, vlan }] : [];
        }),
      };
    };
  }

  private checkName(name: string, ownId: number | undefined): void {
    const problem = checkNetworkName('space', name, ownId);
    if (problem) throw AppError.invalid({ name: problem });
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
}
