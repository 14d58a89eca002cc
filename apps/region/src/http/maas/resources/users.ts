import { crud, currentUser, operation, type HandlerDef } from '../handler.js';
import { renderUser } from '../render.js';

export const usersHandlers: HandlerDef[] = [
  {
    name: 'UsersHandler',
    doc: 'Manage the user accounts of this MAAS.',
    path: '/users/',
    actions: [
      crud('read', 'user', 'List users.', async ({ services }) =>
        (await services.users.list()).map(renderUser),
      ),
      crud(
        'create',
        'admin',
        'Create a MAAS user account.\n\n:param username: Identifier-style username for the new user.\n:type username: String\n\n' +
          ':param email: Email address for the new user.\n:type email: String\n\n:param password: Password for the new user.\n:type password: String\n\n' +
          ':param is_superuser: Whether the new user is to be an administrator.\n:type is_superuser: Boolean',
        async ({ form, services, user }) => {
          // Missing fields are passed on empty: the service names every problem in one 400.
          const created = await services.users.create(
            {
              username: form.get('username') ?? '',
              email: form.get('email') ?? '',
              password: form.get('password') ?? '',
              isSuperuser: form.bool('is_superuser', false),
            },
            user?.username,
          );
          return renderUser(created);
        },
      ),
      operation('whoami', 'GET', 'user', 'Returns the currently logged in user.', (ctx) =>
        renderUser(currentUser(ctx)),
      ),
    ],
  },
  {
    name: 'UserHandler',
    doc: 'Manage a user account.',
    path: '/users/{username}/',
    actions: [
      crud(
        'read',
        'user',
        'Read a user account.\n\n:param username: The user to read.\n:type username: String',
        async ({ params, services }) => renderUser(await services.users.get(params['username'] ?? '')),
      ),
      crud(
        'delete',
        'admin',
        'Deletes a user.\n\n:param username: The user to delete.\n:type username: String\n\n' +
          ':param transfer_resources_to: An optional username. If supplied, the allocated resources of the user being deleted will be transferred to this user. A user who owns machines cannot be deleted without it, until the machines are released.\n:type transfer_resources_to: String',
        async (ctx) => {
          const heir = ctx.form.get('transfer_resources_to');
          await ctx.services.users.delete(
            ctx.params['username'] ?? '',
            currentUser(ctx),
            heir === undefined || heir === '' ? undefined : heir,
          );
        },
      ),
    ],
  },
];
