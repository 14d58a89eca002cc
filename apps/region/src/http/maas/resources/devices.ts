import {
  crud,
  currentUser,
  operation,
  RawResponse,
  type ActionContext,
  type HandlerDef,
} from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderDevice } from '../render-device.js';
import { macLookupOps } from './machines.js';
import type { DeviceInput } from '../../../services/device-input.js';
import type { ParamLists } from '../../../services/machine-filters.js';

/** A request parameter that is data: not `op`, and not OAuth's (which may come in the query). */
function isDataKey(key: string): boolean {
  return key !== 'op' && !key.startsWith('oauth_');
}

function paramLists(form: FormParams): ParamLists {
  const out: Record<string, string[]> = {};
  for (const key of form.keys()) if (isDataKey(key)) out[key] = form.getAll(key);
  return out;
}

function deviceInput(form: FormParams): DeviceInput {
  return {
    hostname: form.get('hostname'),
    description: form.get('description'),
    domain: form.get('domain'),
    parent: form.get('parent'),
    zone: form.get('zone'),
    macAddresses: form.has('mac_addresses') ? form.getAll('mac_addresses') : undefined,
  };
}

/** The `key=value` pairs of set_workload_annotations (op and OAuth parameters excluded). */
function keyValues(form: FormParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of form.keys()) if (isDataKey(key)) out[key] = form.get(key) ?? '';
  return out;
}

const systemId = (ctx: ActionContext) => ctx.params['system_id'] ?? '';

/** An empty BSON document with `lldp` and `lshw` null: MAAS's `details` of a node never probed. */
function emptyDetails(): Buffer {
  const nullElement = (name: string) =>
    Buffer.concat([Buffer.from([0x0a]), Buffer.from(`${name}\0`, 'latin1')]);
  const body = Buffer.concat([nullElement('lldp'), nullElement('lshw'), Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}

const listDoc =
  'List devices visible to the user, optionally filtered by criteria.\n\n' +
  ':param hostname: Only devices with the matching hostname (or FQDN). Repeat for several.\n:type hostname: String\n\n' +
  ':param mac_address: Only devices owning the specified MAC address. Repeat for several.\n:type mac_address: String\n\n' +
  ':param id: Only devices with matching system ids.\n:type id: String\n\n' +
  ':param domain: Only devices in the domain.\n:type domain: String\n\n' +
  ':param zone: Only devices in the zone.\n:type zone: String\n\n' +
  ':param owner: Only devices owned by the specified user.\n:type owner: String\n\n' +
  ':param tags: Only devices with all the specified tags.\n:type tags: String';

const createDoc =
  'Create a new device.\n\n' +
  ':param hostname: A hostname. If not given, one will be generated.\n:type hostname: String\n\n' +
  ':param description: A optional description.\n:type description: String\n\n' +
  ':param domain: The domain of the device. If not given the default domain is used.\n:type domain: String\n\n' +
  ':param mac_addresses: One or more MAC addresses for the device.\n:type mac_addresses: String\n\n' +
  ':param parent: The system id of the parent.\n:type parent: String\n\n' +
  ':param zone: Name of a valid physical zone in which to place this device.\n:type zone: String';

const updateDoc =
  'Update a device with a given system_id.\n\n' +
  ':param hostname: The hostname for this device.\n:type hostname: String\n\n' +
  ':param description: The optional description for this machine.\n:type description: String\n\n' +
  ':param domain: The domain for this device.\n:type domain: String\n\n' +
  ":param parent: Optional system_id to indicate this device's parent. If the parent is already set and this parameter is omitted, the parent will be unchanged.\n:type parent: String\n\n" +
  ':param zone: Name of a valid physical zone in which to place this node.\n:type zone: String';

const systemIdDoc = ':param system_id: A device system_id.\n:type system_id: String';

const annotationsDoc =
  'Set key=value data for the current owner.\n\nPass any key=value form data to this method to add, modify, or remove. A key is removed when the value for that key is set to an empty string.\n\n:param key: key can be any string value.\n:type key: String';

export const devicesHandlers: HandlerDef[] = [
  {
    name: 'DevicesHandler',
    doc: 'Manage the collection of all the devices in the MAAS.',
    path: '/devices/',
    actions: [
      ...macLookupOps(),
      crud('read', 'user', listDoc, async (ctx) =>
        (await ctx.services.devices.list(currentUser(ctx), paramLists(ctx.form))).map(renderDevice),
      ),
      crud('create', 'user', createDoc, async (ctx) =>
        renderDevice(await ctx.services.devices.create(deviceInput(ctx.form), currentUser(ctx))),
      ),
      operation(
        'set_zone',
        'POST',
        'admin',
        'Assigns a given node to a given zone.\n\n:param zone: The zone name.\n:type zone: String\n\n:param nodes: The node to add.\n:type nodes: String',
        async (ctx) => {
          await ctx.services.devices.setZone(
            ctx.form.getAll('nodes'),
            ctx.form.get('zone'),
            currentUser(ctx).username,
          );
        },
      ),
    ],
  },
  {
    name: 'DeviceHandler',
    doc: 'Manage an individual device.\n\nThe device is identified by its system_id.',
    path: '/devices/{system_id}/',
    actions: [
      crud('read', 'user', `Reads a node with the given system_id.\n\n${systemIdDoc}`, async (ctx) =>
        renderDevice(await ctx.services.devices.get(systemId(ctx), currentUser(ctx))),
      ),
      crud('update', 'user', `${updateDoc}\n\n${systemIdDoc}`, async (ctx) =>
        renderDevice(
          await ctx.services.devices.update(systemId(ctx), deviceInput(ctx.form), currentUser(ctx)),
        ),
      ),
      crud('delete', 'user', `Delete a device with the given system_id.\n\n${systemIdDoc}`, async (ctx) => {
        await ctx.services.devices.delete(systemId(ctx), currentUser(ctx));
      }),
      operation(
        'details',
        'GET',
        'user',
        `Returns system details (lldp, lshw) as BSON.\n\n${systemIdDoc}`,
        async (ctx) => {
          await ctx.services.devices.get(systemId(ctx), currentUser(ctx));
          return new RawResponse(200, emptyDetails(), 'application/bson');
        },
      ),
      operation(
        'power_parameters',
        'GET',
        'admin',
        `Gets power parameters for a given system_id, if any (a device has no BMC: none).\n\n${systemIdDoc}`,
        async (ctx) => {
          await ctx.services.devices.get(systemId(ctx), currentUser(ctx));
          return {};
        },
      ),
      operation(
        'set_workload_annotations',
        'POST',
        'user',
        `${annotationsDoc}\n\n${systemIdDoc}`,
        async (ctx) =>
          renderDevice(
            await ctx.services.devices.setWorkloadAnnotations(
              systemId(ctx),
              keyValues(ctx.form),
              currentUser(ctx),
            ),
          ),
      ),
      operation(
        'set_owner_data',
        'POST',
        'user',
        `Deprecated, use set-workload-annotations instead.\n\n${systemIdDoc}`,
        async (ctx) =>
          renderDevice(
            await ctx.services.devices.setWorkloadAnnotations(
              systemId(ctx),
              keyValues(ctx.form),
              currentUser(ctx),
            ),
          ),
      ),
      operation(
        'restore_networking_configuration',
        'POST',
        'admin',
        `Restore the networking options of a device with the given system_id to default values.\n\n${systemIdDoc}`,
        async (ctx) =>
          renderDevice(await ctx.services.devices.restoreNetworking(systemId(ctx), currentUser(ctx))),
      ),
      operation(
        'restore_default_configuration',
        'POST',
        'admin',
        `Restore the configuration options of a device with the given system_id to default values.\n\n${systemIdDoc}`,
        async (ctx) =>
          renderDevice(await ctx.services.devices.restoreNetworking(systemId(ctx), currentUser(ctx))),
      ),
    ],
  },
];
