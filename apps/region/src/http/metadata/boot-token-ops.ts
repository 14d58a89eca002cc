import { currentUser, operation, type ActionDef } from '../maas/handler.js';

/**
 * `POST machines/{system_id}/?op=issue_boot_token` (Ferrum; administrators only): issues the
 * one-time boot token of the machine's next boot and answers it with the preseed URL that uses
 * it. The boot path (the rack's boot configuration) is where tokens normally go; this op lets
 * the machine simulator, which boots nothing, play that part. Each call replaces the previous
 * token; the token works once, for BOOT_TOKEN_MINUTES.
 */
export function bootTokenOps(): ActionDef[] {
  return [
    operation(
      'issue_boot_token',
      'POST',
      'admin',
      "Issue the one-time boot token of the machine's next boot (Ferrum): the preseed URL it answers hands the machine its metadata credentials, once. Only while the machine commissions, tests, deploys, erases or is in rescue mode.",
      async (ctx) => {
        currentUser(ctx);
        const systemId = ctx.params['system_id'] ?? '';
        const token = await ctx.services.nodeCredentials.issueBootToken(systemId);
        const base = `${ctx.request.protocol}://${ctx.request.host}/MAAS/metadata/`;
        return {
          system_id: systemId,
          boot_token: token.bootToken,
          preseed_url: `${base}latest/by-id/${systemId}/?op=get_preseed&boot_token=${token.bootToken}`,
          expires: token.expires.toISOString(),
        };
      },
    ),
  ];
}
