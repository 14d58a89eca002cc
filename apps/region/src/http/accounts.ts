import type { FastifyInstance } from 'fastify';
import { AppError } from '@ferrum/domain';
import type { Services } from '../services/services.js';
import { FormParams } from './maas/form-params.js';
import { sendMaasError } from './maas/error-reply.js';

/**
 * `POST /MAAS/accounts/authenticate/`: username and password in, a new API key out
 * (`maas login` without a key, and the Python client library, use it).
 */
export function registerAccounts(app: FastifyInstance, services: Services): void {
  app.post('/MAAS/accounts/authenticate/', async (request, reply) => {
    try {
      const form = request.body instanceof FormParams ? request.body : new FormParams();
      const username = form.required('username');
      const password = form.required('password');
      const user = await services.users.checkPassword(username, password);
      if (!user) throw new AppError('forbidden', 'Invalid username or password.');
      const token = await services.tokens.create(user.id, form.get('consumer') || 'MAAS consumer');
      await services.events.audit(user.username, `Created API key '${token.name}' by password authentication.`);
      return await reply.type('application/json').send({
        consumer_key: token.consumer_key,
        token_key: token.token_key,
        token_secret: token.token_secret,
        name: token.name,
      });
    } catch (error) {
      return sendMaasError(reply, error);
    }
  });
  // A Django view that only takes POST answers other methods with 405, naming the allowed one.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: '/MAAS/accounts/authenticate/',
    handler: async (_request, reply) => reply.status(405).header('Allow', 'POST').type('text/plain; charset=utf-8').send('Method not allowed: use POST.'),
  });
}
