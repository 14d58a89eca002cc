import { crud, currentUser, type ActionDef, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderSubnet } from '../render-network.js';
import type { SubnetInput, SubnetView } from '../../../services/subnet-service.js';
import { subnetAddressOps } from './subnet-address-ops.js';

/** A value sent once or repeated (`dns_servers=a&dns_servers=b`), or undefined when not sent. */
const listOf = (form: FormParams, key: string): string[] | undefined =>
  form.has(key) ? form.getAll(key) : undefined;

function subnetInput(form: FormParams): SubnetInput {
  return {
    cidr: form.get('cidr'),
    name: form.get('name'),
    description: form.get('description'),
    vlan: form.get('vlan'),
    fabric: form.get('fabric'),
    vid: form.get('vid'),
    space: form.get('space'),
    gatewayIp: form.get('gateway_ip'),
    dnsServers: listOf(form, 'dns_servers'),
    rdnsMode: form.get('rdns_mode'),
    allowDns: form.get('allow_dns'),
    allowProxy: form.get('allow_proxy'),
    managed: form.get('managed'),
    activeDiscovery: form.get('active_discovery'),
    disabledBootArchitectures: listOf(form, 'disabled_boot_architectures'),
  };
}

const render = (view: SubnetView) => renderSubnet(view.subnet, view.vlan);

const fieldParams = `:param cidr: The network CIDR for this subnet.
:type cidr: String

:param name: The subnet's name.
:type name: String

:param description: The subnet's description.
:type description: String

:param vlan: VLAN this subnet belongs to. Defaults to the default VLAN for the provided fabric or defaults to the default VLAN in the default fabric (if unspecified).
:type vlan: String

:param fabric: Fabric for the subnet. Defaults to the fabric the provided VLAN belongs to, or defaults to the default fabric.
:type fabric: String

:param vid: VID of the VLAN this subnet belongs to. Only used when vlan is not provided. Picks the VLAN with this VID in the provided fabric or the default fabric if one is not given.
:type vid: Int

:param gateway_ip: The gateway IP address for this subnet.
:type gateway_ip: String

:param rdns_mode: How reverse DNS is handled for this subnet. One of: 0 Disabled: No reverse zone is created. 1 Enabled: Generate reverse zone. 2 RFC2317: Extends '1' to create the necessary parent zone with the appropriate CNAME resource records for the network, if the network is small enough to require the support described in RFC2317.
:type rdns_mode: Int

:param allow_dns: Configure MAAS DNS to allow DNS resolution from this subnet. '0' == False, '1' == True.
:type allow_dns: Int

:param allow_proxy: Configure maas-proxy to allow requests from this subnet. '0' == False, '1' == True.
:type allow_proxy: Int

:param dns_servers: Comma-separated list of DNS servers for this subnet.
:type dns_servers: String

:param active_discovery: Configure MAAS to detect machines on the network by actively probing for devices.
:type active_discovery: Int

:param managed: In MAAS 2.0+, all subnets are assumed to be managed by default.
:type managed: Int

:param disabled_boot_architectures: A comma or space separated list of boot architectures which will not be responded to by isc-dhcpd. Values may be the MAAS name for the boot architecture, the IANA hex value, or the isc-dhcpd octet.
:type disabled_boot_architectures: String`;

const idParam = ':param id: A subnet ID.\n:type id: Int';

/** The subnet's URL key: `subnets/{id}/` is an id, a CIDR (`%2F`-encoded) or a name. */
const key = (params: Readonly<Record<string, string>>): string => params['id'] ?? '';

const subnetActions: ActionDef[] = [
  crud('read', 'user', `Get information about a subnet with the given ID.\n\n${idParam}`, async (ctx) =>
    render(await ctx.services.subnets.get(key(ctx.params))),
  ),
  crud('update', 'admin', `Update a subnet with the given ID.\n\n${idParam}\n\n${fieldParams}`, async (ctx) =>
    render(
      await ctx.services.subnets.update(key(ctx.params), subnetInput(ctx.form), currentUser(ctx).username),
    ),
  ),
  crud(
    'delete',
    'admin',
    `Delete a subnet with the given ID.\n\n${idParam}\n\n:param force: If True, delete the subnet even if it has IP addresses in use by nodes. Defaults to False.\n:type force: Boolean`,
    async (ctx) => {
      await ctx.services.subnets.delete(
        key(ctx.params),
        { force: ctx.form.bool('force', false) },
        currentUser(ctx).username,
      );
    },
  ),
  ...subnetAddressOps,
];

/**
 * `subnets/10.0.0.0/24/`: MAAS's URL pattern takes a CIDR with its slash, which one path
 * parameter cannot hold; this route joins the two parts into the key the subnet actions read.
 */
const cidrPathActions: ActionDef[] = subnetActions.map((action) => ({
  ...action,
  run: (ctx) =>
    action.run({
      ...ctx,
      params: { ...ctx.params, id: `${ctx.params['id'] ?? ''}/${ctx.params['prefix'] ?? ''}` },
    }),
}));

export const subnetsHandlers: HandlerDef[] = [
  {
    name: 'SubnetsHandler',
    doc: 'Manage subnets.',
    path: '/subnets/',
    actions: [
      crud('read', 'user', 'Get a list of all subnets.', async ({ services }) =>
        (await services.subnets.list()).map(render),
      ),
      crud('create', 'admin', `Creates a new subnet.\n\n${fieldParams}`, async (ctx) =>
        render(await ctx.services.subnets.create(subnetInput(ctx.form), currentUser(ctx).username)),
      ),
    ],
  },
  { name: 'SubnetHandler', doc: 'Manage subnet.', path: '/subnets/{id}/', actions: subnetActions },
  {
    name: 'SubnetHandler',
    doc: 'Manage subnet.',
    path: '/subnets/{id}/{prefix}/',
    actions: cidrPathActions,
    undocumented: true,
  },
];
