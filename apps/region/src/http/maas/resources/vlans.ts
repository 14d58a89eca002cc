import { crud, currentUser, type ActionDef, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderVlan } from '../render-network.js';
import type { VlanInput, VlanRef } from '../../../services/vlan-service.js';

function vlanInput(form: FormParams): VlanInput {
  return {
    name: form.get('name'),
    description: form.get('description'),
    vid: form.get('vid'),
    mtu: form.get('mtu'),
    space: form.get('space'),
    relayVlan: form.get('relay_vlan'),
    dhcpOn: form.has('dhcp_on') ? form.bool('dhcp_on', false) : undefined,
    primaryRack: form.get('primary_rack'),
    secondaryRack: form.get('secondary_rack'),
  };
}

const spaceParam =
  ":param space: The space this VLAN should be placed in. Passing in an empty string (or the string 'undefined') will cause the VLAN to be placed in the 'undefined' space.\n:type space: String";
const createParams =
  ':param name: Name of the VLAN.\n:type name: String\n\n' +
  ':param description: Description of the new VLAN.\n:type description: String\n\n' +
  ':param vid: VLAN ID of the new VLAN.\n:type vid: Int\n\n' +
  ':param mtu: The MTU to use on the VLAN.\n:type mtu: Int\n\n' +
  spaceParam;
const updateParams =
  ':param name: Name of the VLAN.\n:type name: String\n\n' +
  ':param description: Description of the VLAN.\n:type description: String\n\n' +
  ':param mtu: The MTU to use on the VLAN.\n:type mtu: Int\n\n' +
  ':param dhcp_on: Whether or not DHCP should be managed on the VLAN.\n:type dhcp_on: Boolean\n\n' +
  ':param primary_rack: The primary rack controller managing the VLAN (system_id).\n:type primary_rack: String\n\n' +
  ':param secondary_rack: The secondary rack controller managing the VLAN (system_id).\n:type secondary_rack: String\n\n' +
  ':param relay_vlan: Relay VLAN ID. Only set when this VLAN will be using a DHCP relay to forward DHCP requests to another VLAN that MAAS is managing.\n:type relay_vlan: Int\n\n' +
  spaceParam;
const vlanKey =
  ':param fabric_id: Fabric ID containing the VLAN.\n:type fabric_id: Int\n\n:param vid: VLAN ID of the VLAN.\n:type vid: Int';

/** The VLAN a URL names: `vlans/{vlan_id}/` or `fabrics/{fabric_id}/vlans/{vid}/`. */
function refOf(params: Readonly<Record<string, string>>): VlanRef {
  const vlanId = params['vlan_id'];
  return vlanId !== undefined ? { vlanId } : { fabric: params['fabric_id'] ?? '', vid: params['vid'] ?? '' };
}

const vlanActions: ActionDef[] = [
  crud('read', 'user', `Retrieves a VLAN on a given fabric_id.\n\n${vlanKey}`, async (ctx) =>
    renderVlan(await ctx.services.vlans.get(refOf(ctx.params))),
  ),
  crud('update', 'admin', `Updates a given VLAN.\n\n${vlanKey}\n\n${updateParams}`, async (ctx) =>
    renderVlan(
      await ctx.services.vlans.update(refOf(ctx.params), vlanInput(ctx.form), currentUser(ctx).username),
    ),
  ),
  crud('delete', 'admin', `Delete VLAN on a given fabric.\n\n${vlanKey}`, async (ctx) => {
    await ctx.services.vlans.delete(refOf(ctx.params), currentUser(ctx).username);
  }),
];

export const vlansHandlers: HandlerDef[] = [
  {
    name: 'VlansHandler',
    doc: 'Manage VLANs on a fabric.',
    path: '/fabrics/{fabric_id}/vlans/',
    actions: [
      crud(
        'read',
        'user',
        'List all VLANs belonging to given fabric.\n\n:param fabric_id: The fabric for which to list the VLANs.\n:type fabric_id: Int',
        async (ctx) => (await ctx.services.vlans.list(ctx.params['fabric_id'] ?? '')).map(renderVlan),
      ),
      crud(
        'create',
        'admin',
        `Creates a new VLAN.\n\n:param fabric_id: The fabric_id on which to add the new VLAN.\n:type fabric_id: Int\n\n${createParams}`,
        async (ctx) =>
          renderVlan(
            await ctx.services.vlans.create(
              ctx.params['fabric_id'] ?? '',
              vlanInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
    ],
  },
  {
    name: 'VlanHandler',
    doc: 'Manage a VLAN on a fabric.',
    path: '/fabrics/{fabric_id}/vlans/{vid}/',
    actions: vlanActions,
  },
  // MAAS routes vlans/{vlan_id}/ to the same handler (urls_api.py `vlanid_handler`), and every
  // VLAN's resource_uri points there; describe/ shows the handler once, at its fabric/vid path.
  {
    name: 'VlanHandler',
    doc: 'Manage a VLAN on a fabric.',
    path: '/vlans/{vlan_id}/',
    actions: vlanActions,
    undocumented: true,
  },
];
