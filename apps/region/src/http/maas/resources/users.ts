import { AppError } from '@ferrum/domain';
import { crud, currentUser, operation, type HandlerDef } from '../handler.js';
import { renderUser } from '../render.js';

export const usersHandlers: HandlerDef[] = [
  {
    name: 'UsersHandler',
    doc: 'Manage the user accounts of this MAAS.',
    path: '/users/',
    actions: [
      crud('read', 'user', 'List users.', async ({ services }) => (await services.users.list()).map(renderUser)),
      crud(
        'create',
        'admin',
        'Create a MAAS user account.\n\n:param username: Identifier-style username for the new user.\n:type username: String\n\n' +
          ':param email: Email address for the new user.\n:type email: String\n\n:param password: Password for the new user.\n:type password: String\n\n' +
          ':param is_superuser: Whether the new user is to be an administrator.\n:type is_superuser: Boolean',
        async ({ form, services, user }) => {
          const created = await services.users.create(
            {
              username: form.required('username'),
              email: form.required('email'),
              password: form.required('password'),
              isSuperuser: form.bool('is_superuser', false),
            },
            user?.username,
          );
          return renderUser(created);
        },
      ),
      operation('whoami', 'GET', 'user', 'Returns the currently logged in user.', (ctx) => renderUser(currentUser(ctx))),
    ],
  },
  {
    name: 'UserHandler',
    doc: 'Manage a user account.',
    path: '/users/{username}/',
    actions: [
      crud('read', 'user', 'Read a user account.\n\n:param username: The user to read.\n:type username: String', async ({ params, services }) =>
        renderUser(await services.users.get(params['username'] ?? '')),
      ),
      crud(
        'delete',
        'admin',
        'Deletes a user.\n\n:param username: The user to delete.\n:type username: String',
        async (ctx) => {
          const username = ctx.params['username'] ?? '';
          if (ctx.form.has('transfer_resources_to')) {
            throw AppError.invalid({ transfer_resources_to: 'Transferring resources is not supported yet: this user owns no resources to transfer.' });
          }
          await ctx.services.users.delete(username, currentUser(ctx));
        },
      ),
    ],
  },
];
