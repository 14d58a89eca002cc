import { sql, type Kysely } from 'kysely';
import type { Database, DeviceRow, DomainRow, NamedObjectRow } from '../db/schema.js';
import type { DeviceCondition } from './device-filters.js';
import { loadInterfaceViews, type InterfaceViewWithLinks } from './interface-store.js';

/** A device with what its JSON shows: domain, zone, owner, parent, tags, interfaces and links. */
export interface DeviceView {
  readonly device: DeviceRow;
  readonly domain: Omit<DomainRow, 'created' | 'updated'>;
  readonly zone: Pick<NamedObjectRow, 'id' | 'name' | 'description'>;
  readonly ownerName: string | null;
  /** The parent machine's system_id. */
  readonly parentSystemId: string | null;
  readonly tags: readonly string[];
  readonly interfaces: readonly InterfaceViewWithLinks[];
}

/**
 * The views of the devices every condition selects, ordered by id, in three statements
 * whatever their number: the devices with their domain, zone, owner, parent and tags; then
 * their interfaces with links (the interface store's loader).
 */
export async function loadDeviceViews(
  db: Kysely<Database>,
  conditions: readonly DeviceCondition[],
): Promise<DeviceView[]> {
  let query = db
    .selectFrom('devices')
    .innerJoin('domains', 'domains.id', 'devices.domain_id')
    .innerJoin('zones', 'zones.id', 'devices.zone_id')
    .leftJoin('users', 'users.id', 'devices.owner_id')
    .leftJoin('machines as parent', 'parent.id', 'devices.parent_machine_id')
    .selectAll('devices')
    .select([
      'users.username as owner_name',
      'parent.system_id as parent_system_id',
      'domains.name as domain_name',
      'domains.ttl as domain_ttl',
      'domains.authoritative as domain_authoritative',
      'domains.is_default as domain_is_default',
      'domains.forward_dns_servers as domain_forward_dns_servers',
      'zones.name as zone_name',
      'zones.description as zone_description',
      sql<string[]>`ARRAY(
        SELECT t.name FROM device_tags dt JOIN tags t ON t.id = dt.tag_id
        WHERE dt.device_id = devices.id ORDER BY t.name)`.as('tag_names'),
    ])
    .orderBy('devices.id');
  for (const condition of conditions) query = query.where(condition);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const interfaces = await loadInterfaceViews(db, { deviceIds: rows.map((r) => r.id) });
  const byDevice = new Map<number, InterfaceViewWithLinks[]>();
  for (const iface of interfaces) {
    const deviceId = iface.device_id;
    if (deviceId === null) continue;
    const list = byDevice.get(deviceId);
    if (list) list.push(iface);
    else byDevice.set(deviceId, [iface]);
  }
  return rows.map((row) => {
    const {
      owner_name,
      parent_system_id,
      domain_name,
      domain_ttl,
      domain_authoritative,
      domain_is_default,
      domain_forward_dns_servers,
      zone_name,
      zone_description,
      tag_names,
      ...device
    } = row;
    return {
      device,
      domain: {
        id: device.domain_id,
        name: domain_name,
        ttl: domain_ttl,
        authoritative: domain_authoritative,
        is_default: domain_is_default,
        forward_dns_servers: domain_forward_dns_servers,
      },
      zone: { id: device.zone_id, name: zone_name, description: zone_description },
      ownerName: owner_name,
      parentSystemId: parent_system_id,
      tags: tag_names,
      interfaces: byDevice.get(device.id) ?? [],
    };
  });
}
