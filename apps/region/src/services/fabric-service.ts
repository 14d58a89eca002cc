import { sql, type Kysely } from 'kysely';
import { AppError, checkObjectName } from '@ferrum/domain';
import type { Database, FabricRow } from '../db/schema.js';
import type { EventService } from './event-service.js';
import { findFabric } from './network-lookup.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { checkNetworkName } from './network-name.js';
import { uniqueNameError } from './unique-name-error.js';
import { loadVlanViews, type VlanView } from './vlan-views.js';

/** Fabric fields as a form sends them; undefined = not sent. */
export interface FabricInput {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly classType?: string | undefined;
}

export interface FabricWithVlans {
  readonly fabric: FabricRow;
  /** In id order; the first is the fabric's default (untagged) VLAN. */
  readonly vlans: readonly VlanView[];
}

/** The default fabric, there from the first start (migration 0010). */
const DEFAULT_FABRIC_ID = 0;

/** Fabrics (switched networks, each with its VLANs): listed, created, renamed and deleted. */
export class FabricService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  async list(): Promise<FabricWithVlans[]> {
    const fabrics = await this.deps.db.selectFrom('fabrics').selectAll().orderBy('id').execute();
    return this.withVlans(fabrics);
  }

  async get(key: string): Promise<FabricWithVlans> {
    const [one] = await this.withVlans([await findFabric(this.deps.db, key)]);
    if (!one) throw new AppError('not_found', 'No Fabric matches the given query.');
    return one;
  }

  /** A fabric and its untagged VLAN (vid 0), in one transaction; unnamed, it is `fabric-<id>`. */
  async create(input: FabricInput, actor: string): Promise<FabricWithVlans> {
    const name = input.name?.trim() ?? '';
    const classType = checkClassType(input.classType);
    if (name !== '') {
      const problem = checkNetworkName('fabric', name, undefined);
      if (problem) throw AppError.invalid({ name: problem });
    }
    try {
      const fabric = await this.deps.db.transaction().execute(async (trx) => {
        // The id first: an unnamed fabric is named after it, and names are unique.
        const next = await sql<{ id: number }>`SELECT nextval('fabrics_id_seq')::int AS id`.execute(trx);
        const id = next.rows[0]?.id;
        if (id === undefined) throw new Error('nextval returned no row');
        const row = await trx
          .insertInto('fabrics')
          .values({
            id,
            name: name === '' ? `fabric-${id}` : name,
            description: input.description ?? '',
            class_type: classType ?? null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('vlans')
          .values({ fabric_id: row.id, vid: 0, name: 'untagged', mtu: 1500 })
          .execute();
        await this.audit(trx, actor, `Created fabric '${row.name}'.`);
        return row;
      });
      return await this.get(String(fabric.id));
    } catch (error) {
      throw uniqueNameError(error, 'Fabric');
    }
  }

  async update(key: string, input: FabricInput, actor: string): Promise<FabricWithVlans> {
    const current = await findFabric(this.deps.db, key);
    const classType = checkClassType(input.classType);
    let name = input.name?.trim();
    // An emptied name is the default one, as MAAS's clean_name sets it.
    if (name === '') name = `fabric-${current.id}`;
    if (name !== undefined) {
      const problem = checkNetworkName('fabric', name, current.id);
      if (problem) throw AppError.invalid({ name: problem });
    }
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('fabrics')
          .set({
            ...(name !== undefined ? { name } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(classType !== undefined ? { class_type: classType } : {}),
            updated: new Date(),
          })
          .where('id', '=', current.id)
          .returning('name')
          .executeTakeFirstOrThrow(() => new AppError('not_found', 'No Fabric matches the given query.'));
        await this.audit(trx, actor, `Updated fabric '${row.name}'.`);
      });
    } catch (error) {
      throw uniqueNameError(error, 'Fabric');
    }
    return this.get(String(current.id));
  }

  /**
   * Deletes a fabric with its VLANs, as MAAS does: never the default fabric, nor one with
   * subnets or interfaces on its VLANs (MAAS's messages list them).
   */
  async delete(key: string, actor: string): Promise<void> {
    const target = await findFabric(this.deps.db, key);
    if (target.id === DEFAULT_FABRIC_ID)
      throw new AppError('validation_failed', 'This fabric is the default fabric, it cannot be deleted.');
    await this.deps.db.transaction().execute(async (trx) => {
      const fabric = await trx
        .selectFrom('fabrics')
        .select(['id', 'name'])
        .where('id', '=', target.id)
        .forUpdate()
        .executeTakeFirst();
      if (!fabric) throw new AppError('not_found', 'No Fabric matches the given query.');
      // Locking the VLANs waits for any transaction adding a subnet or interface to them (its
      // foreign key check holds a share lock on the VLAN), so the checks below see it.
      const vlans = await trx
        .selectFrom('vlans')
        .select(['id', 'dhcp_on', 'relay_vlan_id'])
        .where('fabric_id', '=', fabric.id)
        .forUpdate()
        .execute();
      const vlanIds = vlans.map((v) => v.id);
      await refuseIfInUse(trx, vlanIds);
      const relaying = await trx
        .selectFrom('vlans')
        .select('id')
        .where('relay_vlan_id', 'in', vlanIds)
        .where('fabric_id', '<>', fabric.id)
        .forUpdate()
        .execute();
      await trx.deleteFrom('fabrics').where('id', '=', fabric.id).execute();
      const changes: NetworkChange[] = [
        ...vlans
          .filter((v) => v.dhcp_on || v.relay_vlan_id !== null)
          .map((v) => ({ kind: 'dhcp.vlan' as const, vlanId: v.id })),
        ...relaying.map((v) => ({ kind: 'dhcp.vlan' as const, vlanId: v.id })),
      ];
      await this.deps.networkChanges.emit(trx, changes);
      await this.audit(trx, actor, `Deleted fabric '${fabric.name}'.`);
    });
  }

  private async withVlans(fabrics: readonly FabricRow[]): Promise<FabricWithVlans[]> {
    if (fabrics.length === 0) return [];
    const ids = await this.deps.db
      .selectFrom('vlans')
      .select(['id', 'fabric_id'])
      .where(
        'fabric_id',
        'in',
        fabrics.map((f) => f.id),
      )
      .orderBy('id')
      .execute();
    const views = await loadVlanViews(
      this.deps.db,
      ids.map((r) => r.id),
    );
    const byFabric = new Map<number, VlanView[]>();
    for (const { id, fabric_id } of ids) {
      const view = views.get(id);
      if (!view) continue;
      const list = byFabric.get(fabric_id);
      if (list) list.push(view);
      else byFabric.set(fabric_id, [view]);
    }
    return fabrics.map((fabric) => ({ fabric, vlans: byFabric.get(fabric.id) ?? [] }));
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
}

/** class_type: MAAS's model-name rule; "" clears it. Undefined when not sent. */
function checkClassType(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  const classType = value.trim();
  if (classType === '') return null;
  const problem = checkObjectName(classType);
  if (problem) throw AppError.invalid({ class_type: problem });
  return classType;
}

/** MAAS's Fabric.delete checks: subnets first (by CIDR), then interfaces (by node, then name). */
async function refuseIfInUse(trx: Kysely<Database>, vlanIds: readonly number[]): Promise<void> {
  if (vlanIds.length === 0) return;
  const subnets = await trx
    .selectFrom('subnets')
    .select(sql<string>`cidr::text`.as('cidr'))
    .where('vlan_id', 'in', vlanIds)
    .orderBy('subnets.cidr')
    .execute();
  if (subnets.length > 0)
    throw new AppError(
      'validation_failed',
      `Can't delete fabric; the following subnets are still present: ${subnets.map((s) => s.cidr).join(', ')}`,
    );
  const interfaces = await trx
    .selectFrom('interfaces as i')
    .leftJoin('machines as m', 'm.id', 'i.machine_id')
    .leftJoin('devices as d', 'd.id', 'i.device_id')
    .select(['i.name', 'i.type'])
    .select(sql<string | null>`coalesce(m.hostname, d.hostname)`.as('hostname'))
    .where('i.vlan_id', 'in', vlanIds)
    .orderBy('i.machine_id')
    .orderBy('i.device_id')
    .orderBy('i.name')
    .execute();
  if (interfaces.length > 0) {
    const described = interfaces.map((i) => `${i.name} (${i.type}) on ${i.hostname ?? '<unknown-node>'}`);
    throw new AppError(
      'validation_failed',
      `Can't delete fabric; the following interfaces are still connected: ${described.join(', ')}`,
    );
  }
}
