import type { Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database, SubnetRow } from '../db/schema.js';
import { loadVlanViews, type VlanView } from './vlan-views.js';

/** A subnet with the view of its VLAN: what its JSON (and every JSON nesting it) is made of. */
export interface SubnetView {
  readonly subnet: SubnetRow;
  readonly vlan: VlanView;
}

/** The views of the subnets `ids` (those that exist), by id: two queries plus the VLANs' relays. */
export async function loadSubnetViews(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<Map<number, SubnetView>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const subnets = await db.selectFrom('subnets').selectAll().where('id', 'in', unique).execute();
  const vlans = await loadVlanViews(
    db,
    subnets.map((s) => s.vlan_id),
  );
  const views = new Map<number, SubnetView>();
  for (const subnet of subnets) {
    const vlan = vlans.get(subnet.vlan_id);
    if (vlan) views.set(subnet.id, { subnet, vlan });
  }
  return views;
}

/** One subnet's view; 404 when it is gone (deleted by someone else meanwhile). */
export async function loadSubnetView(db: Kysely<Database>, id: number): Promise<SubnetView> {
  const view = (await loadSubnetViews(db, [id])).get(id);
  if (!view) throw new AppError('not_found', 'No Subnet matches the given query.');
  return view;
}

/** The view a nested subnet is rendered from; a row whose subnet vanished is a bug, not a 404. */
export function subnetViewOf(views: ReadonlyMap<number, SubnetView>, id: number): SubnetView {
  const view = views.get(id);
  if (!view) throw new AppError('internal', `subnet ${id} of a loaded row is missing`);
  return view;
}
