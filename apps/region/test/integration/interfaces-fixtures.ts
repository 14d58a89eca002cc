// What the interface and machine-address tests set up: machines moved through statuses with
// the API and the lifecycle's reports, subnets and ranges written straight to the database
// (these tests are about links and addresses, not the subnets API), and the change stream read.
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { TestRegion } from '../support/test-region.js';
import type { NetworkChange } from '../../src/services/network-changes.js';

export const api = '/MAAS/api/2.0';

export interface LinkJson {
  id: number;
  mode: string;
  ip_address?: string;
  subnet?: { id: number; cidr: string; space: string; vlan: { id: number } };
}

export interface InterfaceJson {
  id: number;
  system_id: string;
  name: string;
  type: string;
  mac_address: string;
  vlan: { id: number; vid: number; fabric_id: number; name: string } | null;
  parents: string[];
  children: string[];
  tags: string[];
  enabled: boolean;
  links: LinkJson[];
  params: Record<string, unknown> | '';
  discovered: unknown;
  effective_mtu: number;
  resource_uri: string;
}

export interface MachineJson {
  system_id: string;
  hostname: string;
  status_name: string;
  ip_addresses: string[];
  boot_interface: InterfaceJson | null;
  interface_set: InterfaceJson[];
  default_gateways: { ipv4: { gateway_ip: string | null; link_id: number | null } };
}

let macCounter = 0;
/** A MAC no other test file's machines use (a prefix of their own). */
export function nextMac(prefix = '02:1f'): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(8, '0');
  return `${prefix}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
}

/** A machine created by the admin with one MAC per entry of `macs` and commissioned: Ready. */
export async function readyMachine(
  region: TestRegion,
  hostname: string,
  macs = [nextMac()],
): Promise<MachineJson> {
  const created = await region.request('POST', `${api}/machines/`, {
    key: region.adminKey,
    form: { architecture: 'amd64', mac_addresses: macs, power_type: 'manual', hostname },
  });
  expect(created.statusCode, created.body).toBe(200);
  const systemId = created.json<MachineJson>().system_id;
  await region.services.lifecycle.report(systemId, 'succeeded');
  return machine(region, systemId);
}

export async function machine(region: TestRegion, systemId: string): Promise<MachineJson> {
  const response = await region.request('GET', `${api}/machines/${systemId}/`, { key: region.adminKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MachineJson>();
}

/** Allocates the machine to alice (the test region's normal user). */
export async function allocateToAlice(region: TestRegion, systemId: string): Promise<void> {
  const response = await region.request('POST', `${api}/machines/?op=allocate`, {
    key: region.userKey,
    form: { system_id: systemId },
  });
  expect(response.statusCode, response.body).toBe(200);
}

export function machineOp(region: TestRegion, systemId: string, op: string, key = region.userKey) {
  return region.request('POST', `${api}/machines/${systemId}/?op=${op}`, { key });
}

export function interfacesUri(systemId: string): string {
  return `${api}/nodes/${systemId}/interfaces/`;
}

export function interfaceUri(systemId: string, id: number | string): string {
  return `${api}/nodes/${systemId}/interfaces/${String(id)}/`;
}

/** POST op on one interface. */
export function interfaceOp(
  region: TestRegion,
  systemId: string,
  id: number,
  op: string,
  form: Record<string, string | string[]> = {},
  key = region.adminKey,
) {
  return region.request('POST', `${interfaceUri(systemId, id)}?op=${op}`, { key, form });
}

/** The id of a fabric's untagged VLAN (fabric-0's when none is given). */
export async function untaggedVlan(region: TestRegion, fabricId = 0): Promise<number> {
  const row = await region.database.db
    .selectFrom('vlans')
    .select('id')
    .where('fabric_id', '=', fabricId)
    .where('vid', '=', 0)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A new fabric with its untagged VLAN and, when `vid` is given, a tagged one: their VLAN ids. */
export async function newFabric(
  region: TestRegion,
  name: string,
  vid?: number,
): Promise<{ untagged: number; tagged?: number }> {
  const db = region.database.db;
  const fabric = await db
    .insertInto('fabrics')
    .values({ name, class_type: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const untagged = await db
    .insertInto('vlans')
    .values({ fabric_id: fabric.id, vid: 0, name: 'untagged' })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (vid === undefined) return { untagged: untagged.id };
  const tagged = await db
    .insertInto('vlans')
    .values({ fabric_id: fabric.id, vid, name: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { untagged: untagged.id, tagged: tagged.id };
}

/** A tagged VLAN on fabric-0. */
export async function taggedVlan(region: TestRegion, vid: number): Promise<number> {
  const row = await region.database.db
    .insertInto('vlans')
    .values({ fabric_id: 0, vid, name: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function newSubnet(
  region: TestRegion,
  cidr: string,
  vlanId: number,
  options: { gateway?: string; dynamic?: [string, string] } = {},
): Promise<number> {
  const db = region.database.db;
  const row = await db
    .insertInto('subnets')
    .values({ name: cidr, cidr, vlan_id: vlanId, gateway_ip: options.gateway ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (options.dynamic)
    await db
      .insertInto('ip_ranges')
      .values({
        subnet_id: row.id,
        type: 'dynamic',
        start_ip: options.dynamic[0],
        end_ip: options.dynamic[1],
      })
      .execute();
  return row.id;
}

/** The change stream's last row id: what `changesAfter` reads from. */
export async function lastChange(region: TestRegion): Promise<string> {
  const row = await sql<{ id: string | null }>`SELECT max(id)::text AS id FROM network_changes`.execute(
    region.database.db,
  );
  return row.rows[0]?.id ?? '0';
}

export async function changesAfter(region: TestRegion, id: string): Promise<NetworkChange[]> {
  const rows = await sql<{ payload: NetworkChange }>`
    SELECT payload FROM network_changes WHERE id > ${id}::bigint ORDER BY id`.execute(region.database.db);
  return rows.rows.map((r) => r.payload);
}

/** The event descriptions of a node, oldest first. */
export async function nodeEvents(
  region: TestRegion,
  systemId: string,
): Promise<{ type: string; description: string }[]> {
  return region.database.db
    .selectFrom('events')
    .select(['type', 'description'])
    .where('node_system_id', '=', systemId)
    .orderBy('id')
    .execute();
}
