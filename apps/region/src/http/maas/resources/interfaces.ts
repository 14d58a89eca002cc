import {
  crud,
  currentUser,
  operation,
  type ActionContext,
  type ActionDef,
  type HandlerDef,
} from '../handler.js';
import { renderInterface } from '../render-interface.js';
import type { NodeInterfaceView } from '../../../services/interface-service.js';

const systemId = (ctx: ActionContext) => ctx.params['system_id'] ?? '';
const interfaceId = (ctx: ActionContext) => ctx.params['id'] ?? '';
const render = (view: NodeInterfaceView) => renderInterface(view.systemId, view.iface);

const systemIdDoc = ':param system_id: A system_id.\n:type system_id: String';
const idDoc = ':param id: An interface id.\n:type id: Int';

const commonCreateParams =
  ':param tags: Tags for the interface.\n:type tags: String\n\n' +
  ':param mtu: Maximum transmission unit.\n:type mtu: Int\n\n' +
  ':param accept_ra: Accept router advertisements. (IPv6 only)\n:type accept_ra: Boolean';

const bondParams =
  ':param bond_mode: The operating mode of the bond: balance-rr (default), active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb.\n:type bond_mode: String\n\n' +
  ':param bond_miimon: The link monitoring frequency in milliseconds. (Default: 100).\n:type bond_miimon: Int\n\n' +
  ':param bond_downdelay: Milliseconds to wait before disabling a slave after a link failure.\n:type bond_downdelay: Int\n\n' +
  ':param bond_updelay: Milliseconds to wait before enabling a slave after a link recovery.\n:type bond_updelay: Int\n\n' +
  ':param bond_lacp_rate: fast or slow: how often the link partner is asked for LACPDUs in 802.3ad mode.\n:type bond_lacp_rate: String\n\n' +
  ':param bond_xmit_hash_policy: layer2, layer2+3, layer3+4, encap2+3 or encap3+4.\n:type bond_xmit_hash_policy: String\n\n' +
  ':param bond_num_grat_arp: Peer notifications to issue after a failover. (Default: 1)\n:type bond_num_grat_arp: Int';

const bridgeParams =
  ':param bridge_type: standard or ovs.\n:type bridge_type: String\n\n' +
  ':param bridge_stp: Turn spanning tree protocol on or off. (Default: False).\n:type bridge_stp: Boolean\n\n' +
  ':param bridge_fd: Bridge forward delay in seconds. (Default: 15).\n:type bridge_fd: Int';

/** A POST op on one interface answering the interface afterwards. */
function itemOp(op: string, doc: string, run: (ctx: ActionContext) => Promise<NodeInterfaceView>): ActionDef {
  return operation(op, 'POST', 'user', `${doc}\n\n${systemIdDoc}\n\n${idDoc}`, async (ctx) =>
    render(await run(ctx)),
  );
}

/** A POST op creating an interface on the node. */
function createOp(op: string, kind: 'physical' | 'bond' | 'bridge' | 'vlan', doc: string): ActionDef {
  return operation(op, 'POST', 'user', `${doc}\n\n${systemIdDoc}`, async (ctx) =>
    render(await ctx.services.interfaces.create(systemId(ctx), kind, ctx.form, currentUser(ctx))),
  );
}

/**
 * MAAS's InterfacesHandler and InterfaceHandler: a machine's or a device's interfaces, at
 * `nodes/{system_id}/interfaces/` only (MAAS routes no `machines/{system_id}/interfaces/`;
 * clients follow the interfaces' `resource_uri`, and gomaasapi turns a device's `devices/` URI
 * into `nodes/`).
 */
export const interfacesHandlers: HandlerDef[] = [
  {
    name: 'InterfacesHandler',
    doc: 'Manage interfaces on a node.',
    path: '/nodes/{system_id}/interfaces/',
    actions: [
      crud(
        'read',
        'user',
        `List all interfaces belonging to a machine, device, or rack controller.\n\n${systemIdDoc}`,
        async (ctx) => {
          const { systemId: id, interfaces } = await ctx.services.interfaces.list(
            systemId(ctx),
            currentUser(ctx),
          );
          return interfaces.map((iface) => renderInterface(id, iface));
        },
      ),
      createOp(
        'create_physical',
        'physical',
        'Create a physical interface on a machine and device.\n\n' +
          ':param name: Name of the interface.\n:type name: String\n\n' +
          ':param mac_address: MAC address of the interface.\n:type mac_address: String\n\n' +
          ':param vlan: Untagged VLAN the interface is connected to. If not provided then the interface is considered disconnected.\n:type vlan: String\n\n' +
          commonCreateParams,
      ),
      createOp(
        'create_bond',
        'bond',
        'Create a bond interface on a machine.\n\n' +
          ':param name: Name of the interface.\n:type name: String\n\n' +
          ':param mac_address: MAC address of the interface.\n:type mac_address: String\n\n' +
          ':param vlan: VLAN the interface is connected to.\n:type vlan: String\n\n' +
          ':param parents: Parent interface ids that make this bond.\n:type parents: Int\n\n' +
          `${bondParams}\n\n${commonCreateParams}`,
      ),
      createOp(
        'create_vlan',
        'vlan',
        'Create a VLAN interface on a machine.\n\n' +
          ':param vlan: Tagged VLAN the interface is connected to.\n:type vlan: String\n\n' +
          ':param parent: Parent interface id for this VLAN interface.\n:type parent: Int\n\n' +
          commonCreateParams,
      ),
      createOp(
        'create_bridge',
        'bridge',
        'Create a bridge interface on a machine.\n\n' +
          ':param name: Name of the interface.\n:type name: String\n\n' +
          ':param mac_address: MAC address of the interface.\n:type mac_address: String\n\n' +
          ':param vlan: VLAN the interface is connected to.\n:type vlan: String\n\n' +
          ':param parent: Parent interface id for this bridge interface.\n:type parent: Int\n\n' +
          `${bridgeParams}\n\n${commonCreateParams}`,
      ),
    ],
  },
  {
    name: 'InterfaceHandler',
    doc: "Manage a node's or device's interface.",
    path: '/nodes/{system_id}/interfaces/{id}/',
    actions: [
      crud('read', 'user', `Read an interface.\n\n${systemIdDoc}\n\n${idDoc}`, async (ctx) =>
        render(await ctx.services.interfaces.get(systemId(ctx), interfaceId(ctx), currentUser(ctx))),
      ),
      crud(
        'update',
        'user',
        'Update an interface. A deployed machine allows only name and mac_address to change.\n\n' +
          `${systemIdDoc}\n\n${idDoc}\n\n` +
          ':param name: Name of the interface.\n:type name: String\n\n' +
          ':param mac_address: MAC address of the interface.\n:type mac_address: String\n\n' +
          ':param vlan: VLAN id the interface is connected to; empty disconnects it.\n:type vlan: Int\n\n' +
          ':param parents: (Bonds) Parent interface ids.\n:type parents: Int\n\n' +
          ':param parent: (VLANs, bridges) Parent interface id.\n:type parent: Int\n\n' +
          ':param link_connected: Whether the interface is physically connected to an uplink.\n:type link_connected: Boolean\n\n' +
          ':param interface_speed: The speed of the interface in Mbit/s.\n:type interface_speed: Int\n\n' +
          ':param link_speed: The speed of the link in Mbit/s.\n:type link_speed: Int\n\n' +
          `${bondParams}\n\n${bridgeParams}\n\n${commonCreateParams}`,
        async (ctx) =>
          render(
            await ctx.services.interfaces.update(systemId(ctx), interfaceId(ctx), ctx.form, currentUser(ctx)),
          ),
      ),
      crud('delete', 'user', `Delete an interface.\n\n${systemIdDoc}\n\n${idDoc}`, async (ctx) => {
        await ctx.services.interfaces.delete(systemId(ctx), interfaceId(ctx), currentUser(ctx));
      }),
      itemOp(
        'link_subnet',
        'Link an interface to a subnet.\n\n' +
          ':param mode: AUTO, DHCP, STATIC or LINK_UP connection to subnet.\n:type mode: String\n\n' +
          ':param subnet: Subnet id linked to interface.\n:type subnet: Int\n\n' +
          ':param ip_address: IP address for the interface in subnet (STATIC only); one is picked when not given.\n:type ip_address: String\n\n' +
          ':param force: Allow LINK_UP with other links (deleting them), and any subnet, even on another VLAN.\n:type force: Boolean\n\n' +
          ":param default_gateway: Make the subnet's gateway the default gateway of the node (AUTO and STATIC only).\n:type default_gateway: Boolean",
        (ctx) =>
          ctx.services.interfaces.linkSubnet(systemId(ctx), interfaceId(ctx), ctx.form, currentUser(ctx)),
      ),
      itemOp(
        'unlink_subnet',
        'Unlink an interface from a subnet.\n\n:param id: ID of the subnet link on the interface to remove.\n:type id: Int',
        (ctx) =>
          ctx.services.interfaces.unlinkSubnet(systemId(ctx), interfaceId(ctx), ctx.form, currentUser(ctx)),
      ),
      itemOp(
        'disconnect',
        'Disconnect an interface: deletes its links and IP addresses and disconnects it from its VLAN.',
        (ctx) => ctx.services.interfaces.disconnect(systemId(ctx), interfaceId(ctx), currentUser(ctx)),
      ),
      itemOp(
        'set_default_gateway',
        'Set the interface as the default gateway of its node.\n\n:param link_id: ID of the link on this interface to select the default gateway IP address from.\n:type link_id: Int',
        (ctx) =>
          ctx.services.interfaces.setDefaultGateway(
            systemId(ctx),
            interfaceId(ctx),
            ctx.form,
            currentUser(ctx),
          ),
      ),
      itemOp(
        'add_tag',
        'Add a tag to an interface.\n\n:param tag: The tag to add.\n:type tag: String',
        (ctx) =>
          ctx.services.interfaces.tag(systemId(ctx), interfaceId(ctx), 'add', ctx.form, currentUser(ctx)),
      ),
      itemOp(
        'remove_tag',
        'Remove a tag from an interface.\n\n:param tag: The tag to remove.\n:type tag: String',
        (ctx) =>
          ctx.services.interfaces.tag(systemId(ctx), interfaceId(ctx), 'remove', ctx.form, currentUser(ctx)),
      ),
    ],
  },
];
