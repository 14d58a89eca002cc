import type { Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, VlanRow } from '../db/schema.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import type { EventService } from './event-service.js';
import { findFabric, findVlan, findVlanOnFabric, parseNetworkId } from './network-lookup.js';
import type { NetworkChange, NetworkChanges } from './network-changes.js';
import { resolveVlanValues, type VlanInput, type VlanValues } from './vlan-changes.js';
import { removeVlan } from './vlan-removal.js';
import { loadVlanView, loadVlanViews, vlanViewList, type VlanView } from './vlan-views.js';

export { loadVlanViews, type VlanView };
export type { VlanInput };

/** How a URL names a VLAN: `vlans/{vlan_id}/` or `fabrics/{fabric_id}/vlans/{vid}/`. */
export type VlanRef = { readonly vlanId: string } | { readonly fabric: string; readonly vid: string };

const VID_TAKEN = 'A VLAN with the specified VID already exists in the destination fabric.';

/** The settings whose change a rack's DHCP server must hear of (MAAS's _needs_dhcp_update). */
const dhcpSettings = ['dhcp_on', 'primary_rack_id', 'secondary_rack_id', 'relay_vlan_id', 'mtu'] as const;

export function vlanLabel(
  fabricName: string,
  view: Pick<VlanView, 'isFabricDefault' | 'name' | 'vid'>,
): string {
  const name = view.isFabricDefault ? 'untagged' : (view.name ?? String(view.vid));
  return `${fabricName}.${name}`;
}

/** VLANs of fabrics: listed, created, changed (DHCP settings included) and deleted. */
export class VlanService {
  constructor(
    private readonly deps: {
      readonly db: Kysely<Database>;
      readonly events: EventService;
      readonly networkChanges: NetworkChanges;
    },
  ) {}

  /** A fabric's VLANs, in id order. */
  async list(fabricKey: string): Promise<VlanView[]> {
    const fabric = await findFabric(this.deps.db, fabricKey);
    const ids = await this.deps.db
      .selectFrom('vlans')
      .select('id')
      .where('fabric_id', '=', fabric.id)
      .orderBy('id')
      .execute();
    return vlanViewList(
      this.deps.db,
      ids.map((r) => r.id),
    );
  }

  async get(ref: VlanRef): Promise<VlanView> {
    return this.view((await this.find(ref)).id);
  }

  async create(fabricKey: string, input: VlanInput, actor: string): Promise<VlanView> {
    const fabric = await findFabric(this.deps.db, fabricKey);
    const id = await this.transaction(async (trx) => {
      // Held until commit: a concurrent delete of the fabric waits, then sees this VLAN.
      const locked = await trx
        .selectFrom('fabrics')
        .select(['id', 'name'])
        .where('id', '=', fabric.id)
        .forShare()
        .executeTakeFirst();
      if (!locked) throw new AppError('not_found', 'No Fabric matches the given query.');
      const values = await resolveVlanValues(trx, undefined, input);
      const row = await trx
        .insertInto('vlans')
        .values({ ...values, fabric_id: locked.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      // A new VLAN's DHCP matters only when it relays (it cannot serve DHCP yet: no subnets).
      if (values.relay_vlan_id !== null) await this.emit(trx, [{ kind: 'dhcp.vlan', vlanId: row.id }]);
      const label = vlanLabel(locked.name, { isFabricDefault: false, name: values.name, vid: values.vid });
      await this.audit(trx, actor, `Created VLAN '${label}'.`);
      return row.id;
    });
    return this.view(id);
  }

  async update(ref: VlanRef, input: VlanInput, actor: string): Promise<VlanView> {
    const target = await this.find(ref);
    await this.transaction(async (trx) => {
      // The relay asked for is locked with this VLAN, in id order: two VLANs asking to relay to
      // each other at once are served one after the other (the second is refused), not deadlocked.
      const relayId = parseNetworkId(input.relayVlan?.trim());
      const current = await lockVlan(trx, target.id, relayId);
      const values = await resolveVlanValues(trx, current, input);
      await trx
        .updateTable('vlans')
        .set({ ...values, updated: new Date() })
        .where('id', '=', current.id)
        .execute();
      if (dhcpSettings.some((key) => current[key] !== values[key]))
        await this.emit(trx, [{ kind: 'dhcp.vlan', vlanId: current.id }]);
      const view = await loadVlanView(trx, current.id);
      await this.audit(trx, actor, `Updated VLAN '${view ? vlanLabel(view.fabricName, view) : current.id}'.`);
    });
    return this.view(target.id);
  }

  /**
   * Deletes a VLAN as MAAS does: not a fabric's default VLAN; its subnets and interfaces move to
   * the fabric's default VLAN, except VLAN interfaces, which go (with their addresses).
   */
  async delete(ref: VlanRef, actor: string): Promise<void> {
    const target = await this.find(ref);
    await this.transaction(async (trx) => {
      const current = await lockVlan(trx, target.id);
      const view = await loadVlanView(trx, current.id);
      if (view?.isFabricDefault !== false)
        throw new AppError(
          'validation_failed',
          'This VLAN is the default VLAN in the fabric, it cannot be deleted.',
        );
      const changes = await removeVlan(trx, current);
      await this.emit(trx, changes);
      await this.audit(trx, actor, `Deleted VLAN '${vlanLabel(view.fabricName, view)}'.`);
    });
  }

  private find(ref: VlanRef): Promise<VlanRow> {
    return 'vlanId' in ref
      ? findVlan(this.deps.db, ref.vlanId)
      : findVlanOnFabric(this.deps.db, ref.fabric, ref.vid);
  }

  private async view(id: number): Promise<VlanView> {
    const view = await loadVlanView(this.deps.db, id);
    // Deleted by someone else since it was written.
    if (!view) throw new AppError('not_found', 'No VLAN matches the given query.');
    return view;
  }

  /** Runs `work` in a transaction; a vid taken in the fabric is MAAS's unique-together error. */
  private async transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await this.deps.db.transaction().execute(work);
    } catch (error) {
      if (isUniqueViolation(error, 'vlans_fabric_vid')) throw AppError.invalid({ __all__: VID_TAKEN });
      throw error;
    }
  }

  private async emit(trx: Kysely<Database>, changes: readonly NetworkChange[]): Promise<void> {
    await this.deps.networkChanges.emit(trx, changes);
  }

  private audit(trx: Kysely<Database>, actor: string, description: string): Promise<void> {
    return this.deps.events.record({ type: 'AUDIT', level: 'AUDIT', description, username: actor }, trx);
  }
}

/** The VLAN's row, locked (with VLAN `alsoId`, if any) for the transaction; 404 when it went meanwhile. */
async function lockVlan(trx: Kysely<Database>, id: number, alsoId?: number): Promise<VlanRow> {
  const rows = await trx
    .selectFrom('vlans')
    .selectAll()
    .where('id', 'in', alsoId === undefined ? [id] : [id, alsoId])
    .orderBy('id')
    .forUpdate()
    .execute();
  const row = rows.find((r) => r.id === id);
  if (!row) throw new AppError('not_found', 'No VLAN matches the given query.');
  return row;
}

export type { VlanValues };
