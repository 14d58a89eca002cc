import { crud, currentUser, noContent, operation, type HandlerDef } from '../handler.js';
import { formatApiKey } from '../../../services/token-service.js';
import { renderSshKey } from '../render.js';
import { AppError } from '@ferrum/domain';

function parseId(raw: string | undefined, what: string): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new AppError('not_found', `No ${what} matches the given query.`);
  return Number(raw);
}

export const accountHandlers: HandlerDef[] = [
  {
    name: 'AccountHandler',
    doc: 'Manage the current logged-in user.',
    path: '/account/',
    actions: [
      operation(
        'create_authorisation_token',
        'POST',
        'user',
        'Create an authorisation OAuth token and OAuth consumer.\n\n:param name: Optional name of the token that will be generated.\n:type name: String',
        async (ctx) => {
          const token = await ctx.services.tokens.create(currentUser(ctx).id, ctx.form.get('name') ?? '');
          return { token_key: token.token_key, token_secret: token.token_secret, consumer_key: token.consumer_key, name: token.name };
        },
      ),
      operation(
        'delete_authorisation_token',
        'POST',
        'user',
        'Delete an authorisation OAuth token and the related OAuth consumer.\n\n:param token_key: The key of the token to be deleted.\n:type token_key: String',
        async (ctx) => {
          await ctx.services.tokens.delete(currentUser(ctx).id, ctx.form.required('token_key'));
          return noContent();
        },
      ),
      operation(
        'update_token_name',
        'POST',
        'user',
        'Modify the consumer name of an authorisation OAuth token.\n\n:param token: Can be the whole token or only the token key.\n:type token: String\n\n:param name: New name of the token.\n:type name: String',
        async (ctx) => {
          const token = ctx.form.required('token');
          const name = ctx.form.required('name');
          const parts = token.split(':');
          await ctx.services.tokens.rename(currentUser(ctx).id, parts.length === 3 ? (parts[1] as string) : token, name);
          return 'Accepted';
        },
      ),
      operation('list_authorisation_tokens', 'GET', 'user', 'List authorisation tokens available to the currently logged-in user.', async (ctx) =>
        (await ctx.services.tokens.list(currentUser(ctx).id)).map((t) => ({ name: t.name, token: formatApiKey(t) })),
      ),
    ],
  },
  {
    name: 'SSHKeysHandler',
    doc: 'Manage SSH keys.',
    path: '/account/prefs/sshkeys/',
    actions: [
      crud('read', 'user', 'List all keys belonging to the requesting user.', async (ctx) =>
        (await ctx.services.sshKeys.list(currentUser(ctx).id)).map(renderSshKey),
      ),
      crud(
        'create',
        'user',
        'Add a new SSH key to the requesting or supplied user\'s account.\n\n:param key: A public SSH key should be provided in the request payload as form data with the name \'key\'.\n:type key: String',
        async (ctx) => renderSshKey(await ctx.services.sshKeys.add(currentUser(ctx), ctx.form.required('key'))),
        201,
      ),
      operation(
        'import',
        'POST',
        'user',
        'Import the requesting user\'s SSH keys from Launchpad or GitHub.\n\n:param keysource: The source of the keys, e.g. lp:username or gh:username.\n:type keysource: String',
        (ctx) => {
          const source = ctx.form.required('keysource');
          throw new AppError('unavailable', `Importing SSH keys from '${source}' needs internet access, which this region does not have; add the key with "create".`);
        },
      ),
    ],
  },
  {
    name: 'SSHKeyHandler',
    doc: 'Manage an SSH key.',
    path: '/account/prefs/sshkeys/{id}/',
    actions: [
      crud('read', 'user', 'Retrieves an SSH key with the given ID.\n\n:param id: An SSH key ID.\n:type id: Int', async (ctx) =>
        renderSshKey(await ctx.services.sshKeys.get(currentUser(ctx), parseId(ctx.params['id'], 'SSH key'))),
      ),
      crud('delete', 'user', 'Deletes the SSH key with the given ID.\n\n:param id: An SSH key ID.\n:type id: Int', async (ctx) => {
        await ctx.services.sshKeys.delete(currentUser(ctx), parseId(ctx.params['id'], 'SSH key'));
      }),
    ],
  },
];
