import { AppError, parseId } from '@ferrum/domain';
import { crud, currentUser, noContent, operation, RawResponse, type HandlerDef } from '../handler.js';
import { DEFAULT_TOKEN_NAME } from '../../../services/default-token-name.js';
import { formatApiKey } from '../../../services/token-service.js';
import { renderSshKey } from '../render.js';

/** The SSH key id in the URL; an id that cannot exist is simply not found. */
function sshKeyId(raw: string | undefined): number {
  const id = parseId(raw);
  if (id === undefined) throw new AppError('not_found', 'No SSHKey matches the given query.');
  return id;
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
          const user = currentUser(ctx);
          const token = await ctx.services.tokens.create(user.id, ctx.form.get('name') || DEFAULT_TOKEN_NAME);
          await ctx.services.events.audit(user.username, `Created token '${token.name}'.`);
          return {
            token_key: token.token_key,
            token_secret: token.token_secret,
            consumer_key: token.consumer_key,
            name: token.name,
          };
        },
      ),
      operation(
        'delete_authorisation_token',
        'POST',
        'user',
        'Delete an authorisation OAuth token and the related OAuth consumer.\n\n:param token_key: The key of the token to be deleted.\n:type token_key: String',
        async (ctx) => {
          const user = currentUser(ctx);
          await ctx.services.tokens.delete(user.id, ctx.form.required('token_key'));
          await ctx.services.events.audit(user.username, 'Deleted token.');
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
          const user = currentUser(ctx);
          await ctx.services.tokens.rename(user.id, parts.length === 3 ? (parts[1] as string) : token, name);
          await ctx.services.events.audit(user.username, `Modified consumer name of token to '${name}'.`);
          // piston's rc.ACCEPTED, which MAAS returns here: 202 with the text "Accepted".
          return new RawResponse(202, 'Accepted');
        },
      ),
      operation(
        'list_authorisation_tokens',
        'GET',
        'user',
        'List authorisation tokens available to the currently logged-in user.',
        async (ctx) =>
          (await ctx.services.tokens.list(currentUser(ctx).id)).map((t) => ({
            name: t.name,
            token: formatApiKey(t),
          })),
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
        "Add a new SSH key to the requesting or supplied user's account.\n\n" +
          ":param key: A public SSH key should be provided in the request payload as form data with the name 'key'.\n:type key: String\n\n" +
          ':param user: Administrators only: the user to add the key to (default: the requesting user).\n:type user: String',
        async (ctx) => {
          const actor = currentUser(ctx);
          const username = ctx.form.get('user');
          let owner = actor;
          if (username !== undefined && username !== '') {
            if (!actor.is_superuser)
              throw new AppError(
                'validation_failed',
                'Only administrators can specify a user when creating an SSH key.',
              );
            owner = await ctx.services.users.get(username).catch((error: unknown) => {
              if (error instanceof AppError && error.code === 'not_found')
                throw new AppError(
                  'validation_failed',
                  'Supplied username does not match any current users.',
                );
              throw error;
            });
          }
          return renderSshKey(await ctx.services.sshKeys.add(owner, ctx.form.required('key'), actor));
        },
        201,
      ),
      operation(
        'import',
        'POST',
        'user',
        "Import the requesting user's SSH keys from Launchpad or GitHub.\n\n:param keysource: The source of the keys, e.g. lp:username or gh:username.\n:type keysource: String",
        (ctx) => {
          const source = ctx.form.get('keysource') ?? '';
          const [protocol, id] = source.includes(':') ? source.split(':', 2) : ['lp', source];
          if (id === undefined || id === '' || !['lp', 'gh'].includes(protocol ?? '')) {
            throw new AppError(
              'validation_failed',
              'Importing SSH keys failed. Input needs to be in protocol:auth_id or auth_id format.',
            );
          }
          // A client error, not 503: retrying cannot help, and gomaasapi retries every 503.
          throw new AppError(
            'validation_failed',
            `Importing SSH keys from '${source}' is not supported by this region yet; add the key with "create" instead.`,
          );
        },
      ),
    ],
  },
  {
    name: 'SSHKeyHandler',
    doc: 'Manage an SSH key.',
    path: '/account/prefs/sshkeys/{id}/',
    actions: [
      crud(
        'read',
        'user',
        'Retrieves an SSH key with the given ID.\n\n:param id: An SSH key ID.\n:type id: Int',
        async (ctx) =>
          renderSshKey(await ctx.services.sshKeys.get(currentUser(ctx), sshKeyId(ctx.params['id']))),
      ),
      crud(
        'delete',
        'user',
        'Deletes the SSH key with the given ID.\n\n:param id: An SSH key ID.\n:type id: Int',
        async (ctx) => {
          await ctx.services.sshKeys.delete(currentUser(ctx), sshKeyId(ctx.params['id']));
        },
      ),
    ],
  },
];
