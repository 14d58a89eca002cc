import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegion, type TestRegion } from '../support/test-region.js';

let region: TestRegion;
let keyDir: string;
let adminKeyId: number;

const api = '/MAAS/api/2.0';

/** A fresh ed25519 public key line from ssh-keygen. */
function newPublicKey(comment: string): string {
  const path = join(keyDir, comment);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

beforeAll(async () => {
  region = await startTestRegion();
  keyDir = mkdtempSync(join(tmpdir(), 'ferrum-perm-keys-'));
  const added = await region.request('POST', `${api}/account/prefs/sshkeys/`, {
    key: region.adminKey,
    form: { key: newPublicKey('admin@laptop') },
  });
  expect(added.statusCode).toBe(201);
  adminKeyId = added.json<{ id: number }>().id;
  await region.request('POST', `${api}/tags/`, { key: region.adminKey, form: { name: 'existing-tag' } });
  // The administrator's network objects alice meets: subnets, a range, a route, a reserved IP,
  // a device, and an unowned New machine (nobody can allocate it) with an interface.
  const admin = async (path: string, form: Record<string, string>) => {
    const response = await region.request('POST', `${api}/${path}`, { key: region.adminKey, form });
    expect(response.statusCode, response.body).toBe(200);
    return String(
      response.json<{ id?: number; system_id?: string }>().id ??
        response.json<{ system_id: string }>().system_id,
    );
  };
  made['subnet'] = await admin('subnets/', { cidr: '10.99.0.0/24', gateway_ip: '10.99.0.1' });
  await admin('subnets/', { cidr: '10.98.0.0/24' });
  made['range'] = await admin('ipranges/', {
    type: 'reserved',
    start_ip: '10.99.0.100',
    end_ip: '10.99.0.110',
  });
  made['route'] = await admin('static-routes/', {
    source: '10.99.0.0/24',
    destination: '10.98.0.0/24',
    gateway_ip: '10.99.0.254',
  });
  made['reserved'] = await admin('reservedips/', { ip: '10.99.0.50' });
  await admin('ipaddresses/?op=reserve', { ip: '10.99.0.70' });
  made['device'] = await admin('devices/', { mac_addresses: '52:54:00:dd:00:01', hostname: 'admin-device' });
  const machine = await region.services.machines.create(
    {
      hostname: 'perm-machine',
      architecture: 'amd64/generic',
      macAddresses: ['52:54:00:dd:00:03'],
      powerType: 'manual',
    },
    { status: 'NEW', actor: 'admin' },
  );
  made['machine'] = machine.machine.system_id;
  made['iface'] = String(machine.interfaces[0]?.id);
});
afterAll(async () => {
  await region.close();
  rmSync(keyDir, { recursive: true, force: true });
});

interface Case {
  readonly handler: string;
  readonly action: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly form?: Record<string, string>;
}

/** Every action of every handler, as alice (a normal user) is expected to meet it. */
const aliceMeets: readonly (Case & { readonly status: number })[] = [
  {
    handler: 'MaasHandler',
    action: 'get_config',
    method: 'GET',
    url: `${api}/maas/?op=get_config&name=maas_name`,
    status: 200,
  },
  {
    handler: 'MaasHandler',
    action: 'set_config',
    method: 'POST',
    url: `${api}/maas/?op=set_config`,
    form: { name: 'maas_name', value: 'alice-was-here' },
    status: 403,
  },
  { handler: 'UsersHandler', action: 'read', method: 'GET', url: `${api}/users/`, status: 200 },
  {
    handler: 'UsersHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/users/`,
    form: { username: 'mallory', email: 'm@example.com', password: 'pw' },
    status: 403,
  },
  { handler: 'UsersHandler', action: 'whoami', method: 'GET', url: `${api}/users/?op=whoami`, status: 200 },
  { handler: 'UserHandler', action: 'read', method: 'GET', url: `${api}/users/admin/`, status: 200 },
  { handler: 'UserHandler', action: 'delete', method: 'DELETE', url: `${api}/users/admin/`, status: 403 },
  {
    handler: 'AccountHandler',
    action: 'create_authorisation_token',
    method: 'POST',
    url: `${api}/account/?op=create_authorisation_token`,
    form: { name: 'alice-2' },
    status: 200,
  },
  {
    handler: 'AccountHandler',
    action: 'list_authorisation_tokens',
    method: 'GET',
    url: `${api}/account/?op=list_authorisation_tokens`,
    status: 200,
  },
  // Someone else's (or no) token: past the permission check, then not found among alice's own.
  {
    handler: 'AccountHandler',
    action: 'update_token_name',
    method: 'POST',
    url: `${api}/account/?op=update_token_name`,
    form: { token: 'ABCDEFGHIJKLMNOPQR', name: 'x' },
    status: 404,
  },
  {
    handler: 'AccountHandler',
    action: 'delete_authorisation_token',
    method: 'POST',
    url: `${api}/account/?op=delete_authorisation_token`,
    form: { token_key: 'ABCDEFGHIJKLMNOPQR' },
    status: 404,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/account/prefs/sshkeys/`,
    status: 200,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/account/prefs/sshkeys/`,
    form: { key: 'not a key' },
    status: 400,
  },
  {
    handler: 'SSHKeysHandler',
    action: 'import',
    method: 'POST',
    url: `${api}/account/prefs/sshkeys/?op=import`,
    form: { keysource: 'gh:alice' },
    status: 400,
  },
  {
    handler: 'SSHKeyHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/account/prefs/sshkeys/{admin-key}/`,
    status: 403,
  },
  {
    handler: 'SSHKeyHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/account/prefs/sshkeys/{admin-key}/`,
    status: 403,
  },
  { handler: 'ZonesHandler', action: 'read', method: 'GET', url: `${api}/zones/`, status: 200 },
  {
    handler: 'ZonesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/zones/`,
    form: { name: 'alice-zone' },
    status: 403,
  },
  { handler: 'ZoneHandler', action: 'read', method: 'GET', url: `${api}/zones/default/`, status: 200 },
  {
    handler: 'ZoneHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/zones/default/`,
    form: { description: 'alice-was-here' },
    status: 403,
  },
  { handler: 'ZoneHandler', action: 'delete', method: 'DELETE', url: `${api}/zones/default/`, status: 403 },
  {
    handler: 'ResourcePoolsHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/resourcepools/`,
    status: 200,
  },
  {
    handler: 'ResourcePoolsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/resourcepools/`,
    form: { name: 'alice-pool' },
    status: 403,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/resourcepool/default/`,
    status: 200,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/resourcepool/default/`,
    form: { description: 'alice-was-here' },
    status: 403,
  },
  {
    handler: 'ResourcePoolHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/resourcepool/default/`,
    status: 403,
  },
  { handler: 'TagsHandler', action: 'read', method: 'GET', url: `${api}/tags/`, status: 200 },
  {
    handler: 'TagsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/tags/`,
    form: { name: 'alice-tag' },
    status: 403,
  },
  { handler: 'TagHandler', action: 'read', method: 'GET', url: `${api}/tags/existing-tag/`, status: 200 },
  {
    handler: 'TagHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/tags/existing-tag/`,
    form: { comment: 'alice-was-here' },
    status: 403,
  },
  {
    handler: 'TagHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/tags/existing-tag/`,
    status: 403,
  },
  { handler: 'DomainsHandler', action: 'read', method: 'GET', url: `${api}/domains/`, status: 200 },
  {
    handler: 'DomainsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/domains/`,
    form: { name: 'alice.example' },
    status: 403,
  },
  {
    handler: 'DomainsHandler',
    action: 'set_serial',
    method: 'POST',
    url: `${api}/domains/?op=set_serial`,
    form: { serial: '42' },
    status: 403,
  },
  { handler: 'DomainHandler', action: 'read', method: 'GET', url: `${api}/domains/1/`, status: 200 },
  {
    handler: 'DomainHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/domains/1/`,
    form: { ttl: '60' },
    status: 403,
  },
  { handler: 'DomainHandler', action: 'delete', method: 'DELETE', url: `${api}/domains/1/`, status: 403 },
  {
    handler: 'DomainHandler',
    action: 'set_default',
    method: 'POST',
    url: `${api}/domains/1/?op=set_default`,
    status: 403,
  },
  { handler: 'EventsHandler', action: 'query', method: 'GET', url: `${api}/events/?op=query`, status: 200 },
  { handler: 'VersionHandler', action: 'read', method: 'GET', url: `${api}/version/`, status: 200 },
  {
    handler: 'TagHandler',
    action: 'update_nodes',
    method: 'POST',
    url: `${api}/tags/existing-tag/?op=update_nodes`,
    status: 403,
  },
  {
    handler: 'TagHandler',
    action: 'machines',
    method: 'GET',
    url: `${api}/tags/existing-tag/?op=machines`,
    status: 200,
  },
  {
    handler: 'TagHandler',
    action: 'nodes',
    method: 'GET',
    url: `${api}/tags/existing-tag/?op=nodes`,
    status: 200,
  },
  { handler: 'MachinesHandler', action: 'read', method: 'GET', url: `${api}/machines/`, status: 200 },
  {
    handler: 'MachinesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/machines/`,
    form: { architecture: 'amd64', mac_addresses: '52:54:00:aa:bb:cc' },
    status: 403,
  },
  {
    handler: 'MachinesHandler',
    action: 'is_registered',
    method: 'GET',
    url: `${api}/machines/?op=is_registered&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'MachinesHandler',
    action: 'is_action_in_progress',
    method: 'GET',
    url: `${api}/machines/?op=is_action_in_progress&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'MachinesHandler',
    action: 'list_allocated',
    method: 'GET',
    url: `${api}/machines/?op=list_allocated`,
    status: 200,
  },
  {
    handler: 'MachinesHandler',
    action: 'power_parameters',
    method: 'GET',
    url: `${api}/machines/?op=power_parameters`,
    status: 403,
  },
  {
    handler: 'MachinesHandler',
    action: 'accept',
    method: 'POST',
    url: `${api}/machines/?op=accept`,
    status: 403,
  },
  {
    handler: 'MachinesHandler',
    action: 'accept_all',
    method: 'POST',
    url: `${api}/machines/?op=accept_all`,
    status: 403,
  },
  {
    handler: 'MachinesHandler',
    action: 'allocate',
    method: 'POST',
    url: `${api}/machines/?op=allocate`,
    status: 409,
  },
  {
    handler: 'MachinesHandler',
    action: 'release',
    method: 'POST',
    url: `${api}/machines/?op=release`,
    form: { machines: 'nosuch' },
    status: 404,
  },
  {
    handler: 'MachinesHandler',
    action: 'set_zone',
    method: 'POST',
    url: `${api}/machines/?op=set_zone`,
    form: { zone: 'default', nodes: 'nosuch' },
    status: 403,
  },
  { handler: 'MachineHandler', action: 'read', method: 'GET', url: `${api}/machines/nosuch/`, status: 404 },
  {
    handler: 'MachineHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/machines/nosuch/`,
    form: { description: 'x' },
    status: 403,
  },
  {
    handler: 'MachineHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/machines/nosuch/`,
    status: 403,
  },
  {
    handler: 'MachineHandler',
    action: 'details',
    method: 'GET',
    url: `${api}/machines/nosuch/?op=details`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'power_parameters',
    method: 'GET',
    url: `${api}/machines/nosuch/?op=power_parameters`,
    status: 403,
  },
  {
    handler: 'MachineHandler',
    action: 'issue_boot_token',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=issue_boot_token`,
    status: 403,
  },
  {
    handler: 'MachineHandler',
    action: 'query_power_state',
    method: 'GET',
    url: `${api}/machines/nosuch/?op=query_power_state`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'commission',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=commission`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'test',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=test`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'abort',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=abort`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'deploy',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=deploy`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'release',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=release`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'mark_broken',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=mark_broken`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'mark_fixed',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=mark_fixed`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'override_failed_testing',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=override_failed_testing`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'rescue_mode',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=rescue_mode`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'exit_rescue_mode',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=exit_rescue_mode`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'lock',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=lock`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'unlock',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=unlock`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'power_on',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=power_on`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'power_off',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=power_off`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'set_owner_data',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=set_owner_data`,
    status: 404,
  },
  {
    handler: 'MachineHandler',
    action: 'set_workload_annotations',
    method: 'POST',
    url: `${api}/machines/nosuch/?op=set_workload_annotations`,
    status: 404,
  },
  { handler: 'NodesHandler', action: 'read', method: 'GET', url: `${api}/nodes/`, status: 200 },
  {
    handler: 'NodesHandler',
    action: 'is_registered',
    method: 'GET',
    url: `${api}/nodes/?op=is_registered&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'NodesHandler',
    action: 'is_action_in_progress',
    method: 'GET',
    url: `${api}/nodes/?op=is_action_in_progress&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'NodesHandler',
    action: 'set_zone',
    method: 'POST',
    url: `${api}/nodes/?op=set_zone`,
    form: { zone: 'default', nodes: 'nosuch' },
    status: 403,
  },
  { handler: 'NodeHandler', action: 'read', method: 'GET', url: `${api}/nodes/nosuch/`, status: 404 },
  { handler: 'NodeHandler', action: 'delete', method: 'DELETE', url: `${api}/nodes/nosuch/`, status: 403 },
  {
    handler: 'NodeHandler',
    action: 'details',
    method: 'GET',
    url: `${api}/nodes/nosuch/?op=details`,
    status: 404,
  },
  {
    handler: 'NodeHandler',
    action: 'power_parameters',
    method: 'GET',
    url: `${api}/nodes/nosuch/?op=power_parameters`,
    status: 403,
  },
  {
    handler: 'RackControllersHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/rackcontrollers/`,
    status: 200,
  },
  {
    handler: 'RackControllersHandler',
    action: 'describe_power_types',
    method: 'GET',
    url: `${api}/rackcontrollers/?op=describe_power_types`,
    status: 403,
  },
  {
    handler: 'RackControllersHandler',
    action: 'is_registered',
    method: 'GET',
    url: `${api}/rackcontrollers/?op=is_registered&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'RackControllersHandler',
    action: 'is_action_in_progress',
    method: 'GET',
    url: `${api}/rackcontrollers/?op=is_action_in_progress&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'RackControllerHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/rackcontrollers/nosuch/`,
    status: 404,
  },
  {
    handler: 'RackControllerHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/rackcontrollers/nosuch/`,
    status: 403,
  },
  {
    handler: 'RackControllerHandler',
    action: 'list_boot_images',
    method: 'GET',
    url: `${api}/rackcontrollers/nosuch/?op=list_boot_images`,
    status: 403,
  },
  { handler: 'LicenseKeysHandler', action: 'read', method: 'GET', url: `${api}/license-keys/`, status: 403 },
  {
    handler: 'LicenseKeysHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/license-keys/`,
    form: { osystem: 'windows', distro_series: 'win2022', license_key: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE' },
    status: 403,
  },
  {
    handler: 'LicenseKeyHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/license-key/windows/win2022`,
    status: 403,
  },
  {
    handler: 'LicenseKeyHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/license-key/windows/win2022`,
    form: { license_key: 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE' },
    status: 403,
  },
  {
    handler: 'LicenseKeyHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/license-key/windows/win2022`,
    status: 403,
  },
  {
    handler: 'RegionControllersHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/regioncontrollers/`,
    status: 200,
  },
  {
    handler: 'RegionControllersHandler',
    action: 'is_registered',
    method: 'GET',
    url: `${api}/regioncontrollers/?op=is_registered&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'RegionControllersHandler',
    action: 'is_action_in_progress',
    method: 'GET',
    url: `${api}/regioncontrollers/?op=is_action_in_progress&mac_address=52:54:00:aa:bb:cc`,
    status: 200,
  },
  {
    handler: 'RegionControllerHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/regioncontrollers/nosuch/`,
    status: 404,
  },
  {
    handler: 'RegionControllerHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/regioncontrollers/nosuch/`,
    status: 403,
  },
  { handler: 'SubnetsHandler', action: 'read', method: 'GET', url: `${api}/subnets/`, status: 200 },
  {
    handler: 'SubnetsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/subnets/`,
    form: { cidr: '10.97.0.0/24' },
    status: 403,
  },
  { handler: 'SubnetHandler', action: 'read', method: 'GET', url: `${api}/subnets/{subnet}/`, status: 200 },
  {
    handler: 'SubnetHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/subnets/{subnet}/`,
    form: { name: 'alice-subnet' },
    status: 403,
  },
  {
    handler: 'SubnetHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/subnets/{subnet}/`,
    status: 403,
  },
  {
    handler: 'SubnetHandler',
    action: 'ip_addresses',
    method: 'GET',
    url: `${api}/subnets/{subnet}/?op=ip_addresses`,
    status: 200,
  },
  {
    handler: 'SubnetHandler',
    action: 'reserved_ip_ranges',
    method: 'GET',
    url: `${api}/subnets/{subnet}/?op=reserved_ip_ranges`,
    status: 200,
  },
  {
    handler: 'SubnetHandler',
    action: 'unreserved_ip_ranges',
    method: 'GET',
    url: `${api}/subnets/{subnet}/?op=unreserved_ip_ranges`,
    status: 200,
  },
  {
    handler: 'SubnetHandler',
    action: 'statistics',
    method: 'GET',
    url: `${api}/subnets/{subnet}/?op=statistics`,
    status: 200,
  },
  { handler: 'IPRangesHandler', action: 'read', method: 'GET', url: `${api}/ipranges/`, status: 200 },
  {
    handler: 'IPRangesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/ipranges/`,
    form: { type: 'dynamic', start_ip: '10.99.0.200', end_ip: '10.99.0.210' },
    status: 403,
  },
  { handler: 'IPRangeHandler', action: 'read', method: 'GET', url: `${api}/ipranges/{range}/`, status: 200 },
  {
    handler: 'IPRangeHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/ipranges/{range}/`,
    form: { comment: 'alice' },
    status: 403,
  },
  {
    handler: 'IPRangeHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/ipranges/{range}/`,
    status: 403,
  },
  {
    handler: 'StaticRoutesHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/static-routes/`,
    status: 200,
  },
  {
    handler: 'StaticRoutesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/static-routes/`,
    form: { source: '10.98.0.0/24', destination: '10.99.0.0/24', gateway_ip: '10.98.0.254' },
    status: 403,
  },
  {
    handler: 'StaticRouteHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/static-routes/{route}/`,
    status: 200,
  },
  {
    handler: 'StaticRouteHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/static-routes/{route}/`,
    form: { metric: '5' },
    status: 403,
  },
  {
    handler: 'StaticRouteHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/static-routes/{route}/`,
    status: 403,
  },
  { handler: 'ReservedIpsHandler', action: 'read', method: 'GET', url: `${api}/reservedips/`, status: 200 },
  {
    handler: 'ReservedIpsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/reservedips/`,
    form: { ip: '10.99.0.60' },
    status: 403,
  },
  {
    handler: 'ReservedIpHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/reservedips/{reserved}/`,
    status: 200,
  },
  {
    handler: 'ReservedIpHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/reservedips/{reserved}/`,
    form: { comment: 'alice' },
    status: 403,
  },
  {
    handler: 'ReservedIpHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/reservedips/{reserved}/`,
    status: 403,
  },
  { handler: 'IPAddressesHandler', action: 'read', method: 'GET', url: `${api}/ipaddresses/`, status: 200 },
  {
    handler: 'IPAddressesHandler',
    action: 'reserve',
    method: 'POST',
    url: `${api}/ipaddresses/?op=reserve`,
    form: { subnet: '10.99.0.0/24' },
    status: 200,
  },
  {
    handler: 'IPAddressesHandler',
    action: 'release',
    method: 'POST',
    url: `${api}/ipaddresses/?op=release`,
    form: { ip: '10.99.0.70' },
    status: 400,
  },
  {
    handler: 'IPAddressesHandler',
    action: 'overview',
    method: 'GET',
    url: `${api}/ipaddresses/?op=overview`,
    status: 403,
  },
  { handler: 'DevicesHandler', action: 'read', method: 'GET', url: `${api}/devices/`, status: 200 },
  {
    handler: 'DevicesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/devices/`,
    form: { mac_addresses: '52:54:00:dd:00:02', hostname: 'alice-device' },
    status: 200,
  },
  {
    handler: 'DevicesHandler',
    action: 'is_registered',
    method: 'GET',
    url: `${api}/devices/?op=is_registered&mac_address=52:54:00:dd:00:01`,
    status: 200,
  },
  {
    handler: 'DevicesHandler',
    action: 'is_action_in_progress',
    method: 'GET',
    url: `${api}/devices/?op=is_action_in_progress&mac_address=52:54:00:dd:00:01`,
    status: 200,
  },
  {
    handler: 'DevicesHandler',
    action: 'set_zone',
    method: 'POST',
    url: `${api}/devices/?op=set_zone`,
    form: { zone: 'default', nodes: '{device}' },
    status: 403,
  },
  { handler: 'DeviceHandler', action: 'read', method: 'GET', url: `${api}/devices/{device}/`, status: 404 },
  {
    handler: 'DeviceHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/devices/{device}/`,
    form: { hostname: 'alice-was-here' },
    status: 404,
  },
  {
    handler: 'DeviceHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/devices/{device}/`,
    status: 404,
  },
  {
    handler: 'DeviceHandler',
    action: 'details',
    method: 'GET',
    url: `${api}/devices/{device}/?op=details`,
    status: 404,
  },
  {
    handler: 'DeviceHandler',
    action: 'power_parameters',
    method: 'GET',
    url: `${api}/devices/{device}/?op=power_parameters`,
    status: 403,
  },
  {
    handler: 'DeviceHandler',
    action: 'restore_default_configuration',
    method: 'POST',
    url: `${api}/devices/{device}/?op=restore_default_configuration`,
    status: 403,
  },
  {
    handler: 'DeviceHandler',
    action: 'restore_networking_configuration',
    method: 'POST',
    url: `${api}/devices/{device}/?op=restore_networking_configuration`,
    status: 403,
  },
  {
    handler: 'DeviceHandler',
    action: 'set_owner_data',
    method: 'POST',
    url: `${api}/devices/{device}/?op=set_owner_data`,
    status: 404,
  },
  {
    handler: 'DeviceHandler',
    action: 'set_workload_annotations',
    method: 'POST',
    url: `${api}/devices/{device}/?op=set_workload_annotations`,
    status: 404,
  },
  {
    handler: 'TagHandler',
    action: 'devices',
    method: 'GET',
    url: `${api}/tags/existing-tag/?op=devices`,
    status: 200,
  },
  {
    handler: 'InterfacesHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/interfaces/`,
    status: 200,
  },
  {
    handler: 'InterfacesHandler',
    action: 'create_physical',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/?op=create_physical`,
    form: {
      name: 'alice0',
      mac_address: '52:54:00:dd:00:09',
      parents: '{iface}',
      parent: '{iface}',
      vlan: '5001',
    },
    status: 403,
  },
  {
    handler: 'InterfacesHandler',
    action: 'create_bond',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/?op=create_bond`,
    form: {
      name: 'alice0',
      mac_address: '52:54:00:dd:00:09',
      parents: '{iface}',
      parent: '{iface}',
      vlan: '5001',
    },
    status: 403,
  },
  {
    handler: 'InterfacesHandler',
    action: 'create_bridge',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/?op=create_bridge`,
    form: {
      name: 'alice0',
      mac_address: '52:54:00:dd:00:09',
      parents: '{iface}',
      parent: '{iface}',
      vlan: '5001',
    },
    status: 403,
  },
  {
    handler: 'InterfacesHandler',
    action: 'create_vlan',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/?op=create_vlan`,
    form: {
      name: 'alice0',
      mac_address: '52:54:00:dd:00:09',
      parents: '{iface}',
      parent: '{iface}',
      vlan: '5001',
    },
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/interfaces/{iface}/`,
    status: 200,
  },
  {
    handler: 'InterfaceHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/nodes/{machine}/interfaces/{iface}/`,
    form: { name: 'alice0' },
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/nodes/{machine}/interfaces/{iface}/`,
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'link_subnet',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=link_subnet`,
    form: { mode: 'DHCP', subnet: '{subnet}' },
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'unlink_subnet',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=unlink_subnet`,
    form: { id: '1' },
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'set_default_gateway',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=set_default_gateway`,
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'disconnect',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=disconnect`,
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'add_tag',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=add_tag`,
    form: { tag: 'alice' },
    status: 403,
  },
  {
    handler: 'InterfaceHandler',
    action: 'remove_tag',
    method: 'POST',
    url: `${api}/nodes/{machine}/interfaces/{iface}/?op=remove_tag`,
    form: { tag: 'alice' },
    status: 403,
  },
  // Network model: anyone reads, only administrators change it.
  { handler: 'FabricsHandler', action: 'read', method: 'GET', url: `${api}/fabrics/`, status: 200 },
  {
    handler: 'FabricsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/fabrics/`,
    form: { name: 'alice-fabric' },
    status: 403,
  },
  { handler: 'FabricHandler', action: 'read', method: 'GET', url: `${api}/fabrics/0/`, status: 200 },
  {
    handler: 'FabricHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/fabrics/0/`,
    form: { description: 'x' },
    status: 403,
  },
  { handler: 'FabricHandler', action: 'delete', method: 'DELETE', url: `${api}/fabrics/0/`, status: 403 },
  { handler: 'VlansHandler', action: 'read', method: 'GET', url: `${api}/fabrics/0/vlans/`, status: 200 },
  {
    handler: 'VlansHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/fabrics/0/vlans/`,
    form: { vid: '7' },
    status: 403,
  },
  { handler: 'VlanHandler', action: 'read', method: 'GET', url: `${api}/fabrics/0/vlans/0/`, status: 200 },
  {
    handler: 'VlanHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/fabrics/0/vlans/0/`,
    form: { mtu: '9000' },
    status: 403,
  },
  {
    handler: 'VlanHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/fabrics/0/vlans/0/`,
    status: 403,
  },
  { handler: 'SpacesHandler', action: 'read', method: 'GET', url: `${api}/spaces/`, status: 200 },
  {
    handler: 'SpacesHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/spaces/`,
    form: { name: 'alice-space' },
    status: 403,
  },
  { handler: 'SpaceHandler', action: 'read', method: 'GET', url: `${api}/spaces/undefined/`, status: 200 },
  {
    handler: 'SpaceHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/spaces/undefined/`,
    form: { name: 'x' },
    status: 403,
  },
  {
    handler: 'SpaceHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/spaces/undefined/`,
    status: 403,
  },
  { handler: 'NodeScriptsHandler', action: 'read', method: 'GET', url: `${api}/scripts/`, status: 200 },
  {
    handler: 'NodeScriptsHandler',
    action: 'create',
    method: 'POST',
    url: `${api}/scripts/`,
    form: { name: 'alice-script', script: '#!/bin/sh\n' },
    status: 403,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/scripts/memtester/`,
    status: 200,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/scripts/memtester/`,
    form: { timeout: '1' },
    status: 403,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/scripts/memtester/`,
    status: 403,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'download',
    method: 'GET',
    url: `${api}/scripts/memtester/?op=download`,
    status: 200,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'revert',
    method: 'POST',
    url: `${api}/scripts/memtester/?op=revert`,
    form: { to: '-1' },
    status: 403,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'add_tag',
    method: 'POST',
    url: `${api}/scripts/memtester/?op=add_tag`,
    form: { tag: 'alice' },
    status: 403,
  },
  {
    handler: 'NodeScriptHandler',
    action: 'remove_tag',
    method: 'POST',
    url: `${api}/scripts/memtester/?op=remove_tag`,
    form: { tag: 'memory' },
    status: 403,
  },
  {
    handler: 'NodeDevicesHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/devices/`,
    status: 200,
  },
  // The machine has not been commissioned: it has no devices.
  {
    handler: 'NodeDeviceHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/devices/1:1/`,
    status: 404,
  },
  {
    handler: 'NodeDeviceHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/nodes/{machine}/devices/1:1/`,
    status: 403,
  },
  {
    handler: 'NodeScriptResultsHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/results/`,
    status: 200,
  },
  // The machine has not been commissioned: it has no current commissioning results.
  {
    handler: 'NodeScriptResultHandler',
    action: 'read',
    method: 'GET',
    url: `${api}/nodes/{machine}/results/current-commissioning/`,
    status: 404,
  },
  {
    handler: 'NodeScriptResultHandler',
    action: 'update',
    method: 'PUT',
    url: `${api}/nodes/{machine}/results/current-commissioning/`,
    form: { suppressed: 'true' },
    status: 403,
  },
  {
    handler: 'NodeScriptResultHandler',
    action: 'delete',
    method: 'DELETE',
    url: `${api}/nodes/{machine}/results/current-commissioning/`,
    status: 403,
  },
  {
    handler: 'NodeScriptResultHandler',
    action: 'download',
    method: 'GET',
    url: `${api}/nodes/{machine}/results/current-commissioning/?op=download`,
    status: 404,
  },
];

/** Ids of the objects beforeAll makes, by their placeholder in the cases' URLs and forms. */
const made: Record<string, string> = {};

function resolve(text: string): string {
  return text.replace(/\{([a-z-]+)\}/g, (whole, name: string) =>
    name === 'admin-key' ? String(adminKeyId) : (made[name] ?? whole),
  );
}

interface DescribedHandler {
  name: string;
  path: string;
  actions: { name: string; method: string; op: string | null }[];
}

describe('who may do what', () => {
  it('classifies every action describe/ lists, so that a new one cannot go unchecked', async () => {
    const description = (await region.request('GET', `${api}/describe/`)).json<{
      resources: { name: string; anon: DescribedHandler | null; auth: DescribedHandler | null }[];
    }>();
    // A resource open to everyone (VersionHandler) is described by its anon face alone, as in MAAS.
    const described = description.resources
      .flatMap((r) => ((r.auth ?? r.anon)?.actions ?? []).map((a) => `${r.name}.${a.name}`))
      .sort();
    expect(aliceMeets.map((c) => `${c.handler}.${c.action}`).sort()).toEqual(described);
  });

  it.each(aliceMeets.map((c) => [`${c.handler}.${c.action}`, c] as const))(
    'gives alice, a normal user, the expected status for %s',
    async (_name, c) => {
      const response = await region.request(c.method, resolve(c.url), {
        key: region.userKey,
        ...(c.form
          ? { form: Object.fromEntries(Object.entries(c.form).map(([k, v]) => [k, resolve(v)])) }
          : {}),
      });
      expect(response.statusCode, response.body).toBe(c.status);
      if (c.status === 403) expect(response.body).not.toBe('');
    },
  );

  it('leaves everything alice was refused as it was', async () => {
    const get = async (url: string) =>
      (await region.request('GET', url, { key: region.adminKey })).json<Record<string, unknown>>();
    expect(
      await region
        .request('GET', `${api}/maas/?op=get_config&name=maas_name`, { key: region.adminKey })
        .then((r) => r.json<unknown>()),
    ).toBe('ferrum');
    expect((await region.request('GET', `${api}/users/mallory/`, { key: region.adminKey })).statusCode).toBe(
      404,
    );
    expect((await get(`${api}/users/admin/`))['username']).toBe('admin');
    expect((await get(`${api}/zones/default/`))['description']).toBe('');
    expect(
      (await region.request('GET', `${api}/zones/alice-zone/`, { key: region.adminKey })).statusCode,
    ).toBe(404);
    expect((await get(`${api}/resourcepool/default/`))['description']).toBe('Default pool');
    expect((await get(`${api}/tags/existing-tag/`))['comment']).toBe('');
    expect(await get(`${api}/domains/1/`)).toMatchObject({ name: 'maas', is_default: true, ttl: null });
    expect((await get(`${api}/account/prefs/sshkeys/${adminKeyId}/`))['id']).toBe(adminKeyId);
  });

  it('shows alice only her own SSH keys and tokens', async () => {
    const keys = await region.request('GET', `${api}/account/prefs/sshkeys/`, { key: region.userKey });
    expect(keys.json<{ id: number }[]>().map((k) => k.id)).not.toContain(adminKeyId);
    const tokens = await region.request('GET', `${api}/account/?op=list_authorisation_tokens`, {
      key: region.userKey,
    });
    const listed = tokens.json<{ token: string }[]>().map((t) => t.token);
    expect(listed).toContain(region.userKey);
    expect(listed).not.toContain(region.adminKey);
  });

  it("does not let alice rename or delete the admin's token", async () => {
    const adminTokenKey = region.adminKey.split(':')[1] ?? '';
    const renamed = await region.request('POST', `${api}/account/?op=update_token_name`, {
      key: region.userKey,
      form: { token: region.adminKey, name: 'hijacked' },
    });
    expect(renamed.statusCode).toBe(404);
    const deleted = await region.request('POST', `${api}/account/?op=delete_authorisation_token`, {
      key: region.userKey,
      form: { token_key: adminTokenKey },
    });
    expect(deleted.statusCode).toBe(404);
    const adminTokens = await region.request('GET', `${api}/account/?op=list_authorisation_tokens`, {
      key: region.adminKey,
    });
    expect(adminTokens.json()).toContainEqual({ name: 'test', token: region.adminKey });
  });

  it('lets an administrator do the admin-only work alice is refused', async () => {
    const steps: [string, string, Record<string, string>?][] = [
      ['POST', `${api}/maas/?op=set_config`, { name: 'maas_name', value: 'ferrum' }],
      ['POST', `${api}/zones/`, { name: 'admin-zone' }],
      ['PUT', `${api}/zones/admin-zone/`, { description: 'by admin' }],
      ['DELETE', `${api}/zones/admin-zone/`],
      ['POST', `${api}/resourcepools/`, { name: 'admin-pool' }],
      ['DELETE', `${api}/resourcepool/admin-pool/`],
      ['POST', `${api}/tags/`, { name: 'admin-tag' }],
      ['DELETE', `${api}/tags/admin-tag/`],
      ['POST', `${api}/domains/?op=set_serial`, { serial: '7' }],
      ['POST', `${api}/domains/1/?op=set_default`],
      ['POST', `${api}/users/`, { username: 'temp-user', email: 'temp@example.com', password: 'pw' }],
      ['DELETE', `${api}/users/temp-user/`],
    ];
    for (const [method, url, form] of steps) {
      const response = await region.request(method, url, { key: region.adminKey, ...(form ? { form } : {}) });
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    }
  });

  it('answers anonymous callers 401 everywhere except what MAAS opens to them', async () => {
    const description = (await region.request('GET', `${api}/describe/`)).json<{
      resources: { name: string; anon: DescribedHandler | null; auth: DescribedHandler | null }[];
    }>();
    const fill = (path: string) =>
      path
        .replace('{name}', 'default')
        .replace('{id}', '1')
        .replace('{username}', 'admin')
        .replace('{system_id}', 'nosuch')
        .replace('{osystem}', 'windows')
        .replace('{distro_series}', 'win2022');
    let checked = 0;
    for (const resource of description.resources) {
      // A resource open to everyone (VersionHandler) has only an anon face, as in MAAS.
      const face = resource.auth ?? resource.anon;
      for (const action of face?.actions ?? []) {
        const url = `${fill(face?.path ?? '')}${action.op ? `?op=${action.op}` : ''}`;
        const response = await region.request(action.method, url);
        const open =
          resource.anon?.actions.some((a) => a.method === action.method && a.op === action.op) ?? false;
        // Open actions answer on their merits: enlistment without its fields is a 400, not a 401.
        if (open) expect([200, 400], `${action.method} ${url}`).toContain(response.statusCode);
        else expect(response.statusCode, `${action.method} ${url}: ${response.body}`).toBe(401);
        checked++;
      }
    }
    expect(checked).toBe(aliceMeets.length);
    expect((await region.request('GET', `${api}/describe/`)).statusCode).toBe(200);
    expect((await region.request('GET', `${api}/zones/?op=no-such-op`)).statusCode).toBe(401);
  });
});
