import { crud, currentUser, noContent, operation, type ActionContext, type HandlerDef } from '../handler.js';
import { renderAddressOverview, renderIpAddress } from '../render-ip-address.js';

/** An optional text parameter; empty counts as not given, as MAAS's get_optional_param reads it. */
function optional(ctx: ActionContext, key: string): string | undefined {
  const value = ctx.form.get(key);
  return value === undefined || value === '' ? undefined : value;
}

const readDoc = `List all IP addresses known to MAAS.

By default, gets a listing of all IP addresses allocated to the requesting user.

:param ip: If specified, will only display information for the specified IP address.
:type ip: String

:param all: (Admin users only) If True, all reserved IP addresses will be shown. (By default, only addresses of type 'User reserved' that are assigned to the requesting user are shown.)
:type all: Boolean

:param owner: (Admin users only) If specified, filters the list to show only IP addresses owned by the specified username.
:type owner: String`;

const reserveDoc = `Reserve an IP address for use outside of MAAS.

Returns an IP adddress that MAAS will not allow any of its known nodes to use; it is free for use by the requesting user until released by the user.

The user must supply either a subnet or a specific IP address within a subnet.

:param subnet: CIDR representation of the subnet on which the IP reservation is required. E.g. 10.1.2.0/24
:type subnet: String

:param ip: The IP address, which must be within a known subnet.
:type ip: String

:param ip_address: (Deprecated.) Alias for 'ip' parameter. Provided for backward compatibility.
:type ip_address: String

:param hostname: The hostname to use for the specified IP address. If no domain component is given, the default domain will be used.
:type hostname: String

:param mac: The MAC address that should be linked to this reservation.
:type mac: String`;

const releaseDoc = `Release an IP address that was previously reserved by the user.

:param ip: The IP address to release.
:type ip: String

:param force: If True, allows a MAAS administrator to force an IP address to be released, even if it is not a user-reserved IP address or does not belong to the requesting user. Use with caution.
:type force: Boolean

:param discovered: If True, allows a MAAS administrator to release a discovered address. Only valid if 'force' is specified. If not specified, MAAS will attempt to release any type of address except for discovered addresses.
:type discovered: Boolean`;

const overviewDoc = `(Ferrum extension, admin only.) Where the addresses are and who holds them.

Per subnet: counts by alloc type, by owner and by machine/device; and leak candidates, addresses nothing will release by itself: reservations whose owner was deleted, AUTO/STICKY addresses whose interface is gone, and observed addresses not seen for 'discovered_days' days.

:param discovered_days: Observed addresses not seen for this many days are leak candidates (default 7).
:type discovered_days: Int`;

export const ipAddressesHandlers: HandlerDef[] = [
  {
    name: 'IPAddressesHandler',
    doc: 'Manage IP addresses allocated by MAAS.',
    path: '/ipaddresses/',
    actions: [
      crud('read', 'user', readDoc, async (ctx) =>
        (
          await ctx.services.ipAddresses.list(currentUser(ctx), {
            all: ctx.form.bool('all', false),
            ip: optional(ctx, 'ip'),
            owner: optional(ctx, 'owner'),
          })
        ).map(renderIpAddress),
      ),
      operation('reserve', 'POST', 'user', reserveDoc, async (ctx) =>
        renderIpAddress(
          await ctx.services.ipAddresses.reserve(currentUser(ctx), {
            subnet: optional(ctx, 'subnet'),
            // MAAS: `ip_address` is the deprecated name of `ip`, used when `ip` is not given.
            ip: optional(ctx, 'ip') ?? optional(ctx, 'ip_address'),
            hostname: optional(ctx, 'hostname'),
            mac: optional(ctx, 'mac'),
          }),
        ),
      ),
      operation('release', 'POST', 'user', releaseDoc, async (ctx) => {
        await ctx.services.ipAddresses.release(currentUser(ctx), {
          ip: ctx.form.required('ip'),
          force: ctx.form.bool('force', false),
          discovered: ctx.form.bool('discovered', false),
        });
        return noContent();
      }),
      operation('overview', 'GET', 'admin', overviewDoc, async (ctx) => {
        const days = ctx.form.int('discovered_days', { min: 0, max: 36_500 }) ?? 7;
        return renderAddressOverview(await ctx.services.addressOverview.build(days), days);
      }),
    ],
  },
];
