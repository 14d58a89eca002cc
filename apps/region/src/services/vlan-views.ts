import { sql, type Kysely } from 'kysely';
import type { Database, VlanRow } from '../db/schema.js';

/**
 * A VLAN with what its JSON names besides its own row: its fabric's name, whether it is the
 * fabric's default (untagged) VLAN, the system_ids of its racks, its space's name and the VLAN
 * it relays DHCP to. Built by `loadVlanViews` (vlan-service.ts) in one query per relay level.
 */
export interface VlanView extends Pick<
  VlanRow,
  'id' | 'vid' | 'name' | 'description' | 'fabric_id' | 'mtu' | 'dhcp_on' | 'external_dhcp' | 'space_id'
> {
  readonly fabricName: string;
  /** The fabric's first VLAN (lowest id), which MAAS always names "untagged". */
  readonly isFabricDefault: boolean;
  readonly primaryRack: string | null;
  readonly secondaryRack: string | null;
  readonly spaceName: string | null;
  readonly relayVlan: VlanView | null;
}

interface VlanViewRow extends Omit<VlanView, 'relayVlan'> {
  readonly relay_vlan_id: number | null;
}

function selectViewRows(db: Kysely<Database>) {
  return db
    .selectFrom('vlans as v')
    .innerJoin('fabrics as f', 'f.id', 'v.fabric_id')
    .leftJoin('rack_controllers as pr', 'pr.id', 'v.primary_rack_id')
    .leftJoin('rack_controllers as sr', 'sr.id', 'v.secondary_rack_id')
    .leftJoin('spaces as s', 's.id', 'v.space_id')
    .select([
      'v.id',
      'v.vid',
      'v.name',
      'v.description',
      'v.fabric_id',
      'v.mtu',
      'v.dhcp_on',
      'v.external_dhcp',
      'v.space_id',
      'v.relay_vlan_id',
      'f.name as fabricName',
      'pr.system_id as primaryRack',
      'sr.system_id as secondaryRack',
      's.name as spaceName',
      // MAAS's Fabric.get_default_vlan(): the fabric's VLAN with the lowest id.
      sql<boolean>`v.id = (SELECT min(d.id) FROM vlans d WHERE d.fabric_id = v.fabric_id)`.as(
        'isFabricDefault',
      ),
    ]);
}

/**
 * The views of the VLANs `vlanIds` (those that exist), by id: one query, plus one per level of
 * relay VLANs not already among them (the VLAN JSON holds its relay VLAN whole).
 */
export async function loadVlanViews(
  db: Kysely<Database>,
  vlanIds: readonly number[],
): Promise<Map<number, VlanView>> {
  const rows = new Map<number, VlanViewRow>();
  let pending = [...new Set(vlanIds)];
  while (pending.length > 0) {
    const found = await selectViewRows(db).where('v.id', 'in', pending).execute();
    for (const row of found) rows.set(row.id, row);
    pending = [
      ...new Set(
        found.flatMap((row) =>
          row.relay_vlan_id !== null && !rows.has(row.relay_vlan_id) ? [row.relay_vlan_id] : [],
        ),
      ),
    ];
  }
  const build = (id: number, seen: ReadonlySet<number>): VlanView | null => {
    const row = rows.get(id);
    if (!row) return null;
    const { relay_vlan_id: relayId, ...view } = row;
    // The VLAN form never lets relays form a cycle; should one exist, it is cut, not followed forever.
    const relayVlan = relayId !== null && !seen.has(relayId) ? build(relayId, new Set([...seen, id])) : null;
    return { ...view, relayVlan };
  };
  const views = new Map<number, VlanView>();
  for (const id of vlanIds) {
    const view = build(id, new Set());
    if (view) views.set(id, view);
  }
  return views;
}

/** The views of the VLANs `vlanIds`, in that order (missing ones left out). */
export async function vlanViewList(db: Kysely<Database>, vlanIds: readonly number[]): Promise<VlanView[]> {
  const views = await loadVlanViews(db, vlanIds);
  return vlanIds.flatMap((id) => {
    const view = views.get(id);
    return view ? [view] : [];
  });
}

/** One VLAN's view; undefined when it does not exist. */
export async function loadVlanView(db: Kysely<Database>, vlanId: number): Promise<VlanView | undefined> {
  return (await loadVlanViews(db, [vlanId])).get(vlanId);
}
