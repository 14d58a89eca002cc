import { stringifyJson } from '@ferrum/domain';
import { operation, RawResponse, type ActionContext, type ActionDef } from '../handler.js';
import { renderSubnetAddress } from '../render-ip-address.js';

const idParam = ':param id: A subnet ID.\n:type id: Int';

/** The subnet's URL key: id, CIDR or name. */
function subnetKey(ctx: ActionContext): string {
  return ctx.params['id'] ?? '';
}

/**
 * JSON with exact integers: address counts of an IPv6 subnet pass 2^53 (an empty /64 has 2^64),
 * and MAAS prints them in full.
 */
function exactJson(value: unknown): RawResponse {
  return new RawResponse(200, Buffer.from(stringifyJson(value)), 'application/json');
}

/**
 * The address operations of `subnets/{id}/` (statistics, ip_addresses, reserved_ip_ranges,
 * unreserved_ip_ranges); the subnet handler lists them among its actions.
 */
export const subnetAddressOps: ActionDef[] = [
  operation(
    'statistics',
    'GET',
    'user',
    `Returns statistics for the specified subnet, including:

- **num_available**: the number of available IP addresses
- **largest_available**: the largest number of contiguous free IP addresses
- **num_unavailable**: the number of unavailable IP addresses
- **total_addresses**: the sum of the available plus unavailable addresses
- **usage**: the (floating point) usage percentage of this subnet
- **usage_string**: the (formatted unicode) usage percentage of this subnet
- **ranges**: the specific IP ranges present in ths subnet (if specified)

${idParam}

:param include_ranges: If '1', includes detailed information about the usage of this range. '1' == True, '0' == False.
:type include_ranges: Int

:param include_suggestions: If '1', includes the suggested gateway and dynamic range for this subnet, if it were to be configured. '1' == True, '0' == False.
:type include_suggestions: Int`,
    async (ctx) =>
      exactJson(
        await ctx.services.subnetAddresses.statistics(subnetKey(ctx), {
          includeRanges: ctx.form.bool('include_ranges', false),
          includeSuggestions: ctx.form.bool('include_suggestions', false),
        }),
      ),
  ),
  operation(
    'ip_addresses',
    'GET',
    'user',
    `Returns a summary of IP addresses assigned to this subnet.

${idParam}

:param with_username: If '0', suppresses the display of usernames associated with each address. '1' == True, '0' == False. (Default: '1')
:type with_username: Int

:param with_summary: If '0', suppresses the display of nodes, BMCs, and and DNS records associated with each address. '1' == True, '0' == False. (Default: True)
:type with_summary: Int

:param with_node_summary: Deprecated. Use 'with_summary'.
:type with_node_summary: Int`,
    async (ctx) => {
      const withUsername = ctx.form.bool('with_username', true);
      // The deprecated with_node_summary=0 also turns the summary off.
      const withSummary = ctx.form.bool('with_summary', true) && ctx.form.bool('with_node_summary', true);
      const addresses = await ctx.services.subnetAddresses.addresses(subnetKey(ctx));
      return addresses.map((a) => renderSubnetAddress(a, { withUsername, withSummary }));
    },
  ),
  operation(
    'reserved_ip_ranges',
    'GET',
    'user',
    `Lists IP ranges currently reserved in the subnet.\n\n${idParam}`,
    async (ctx) => exactJson(await ctx.services.subnetAddresses.reservedRanges(subnetKey(ctx))),
  ),
  operation(
    'unreserved_ip_ranges',
    'GET',
    'user',
    `Lists IP ranges currently unreserved in the subnet.\n\n${idParam}`,
    async (ctx) => exactJson(await ctx.services.subnetAddresses.unreservedRanges(subnetKey(ctx))),
  ),
];
