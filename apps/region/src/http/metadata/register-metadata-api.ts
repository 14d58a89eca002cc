import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@ferrum/domain';
import type { Services } from '../../services/services.js';
import { emptyScriptsTar } from '../../services/metadata-scripts.js';
import { enlistPreseed, machinePreseed } from '../../services/metadata-preseed.js';
import { enlistmentUserData } from '../../services/metadata-user-data.js';
import type { MetadataBody } from '../../services/metadata-service.js';
import { statusOf } from '../../services/machine-service.js';
import { FormParams } from '../maas/form-params.js';
import { metadataUrlOf, queryOf, signedMachine, type SignedMachine } from './metadata-auth.js';
import { signalInput } from './signal-input.js';
import { statusEventInput } from './status-event-input.js';

const PREFIX = '/MAAS/metadata';
/** The metadata versions MAAS serves (check_version). */
const versions = new Set(['latest', '2012-03-01']);

/** What an enlisting (unknown, anonymous) machine reads (MAAS EnlistMetaDataHandler). */
const enlistMetaData: Readonly<Record<string, string>> = {
  'instance-id': 'i-maas-enlistment',
  'local-hostname': 'maas-enlisting-node',
  'public-keys': '',
};

type Params = Record<string, string | undefined>;

const list = (items: readonly string[]): MetadataBody => ({
  body: items.join('\n'),
  contentType: 'text/plain; charset=utf-8',
});

function send(reply: FastifyReply, body: MetadataBody): FastifyReply {
  return reply.status(200).type(body.contentType).send(body.body);
}

function checkVersion(request: FastifyRequest): void {
  const version = (request.params as Params)['version'] ?? '';
  if (!versions.has(version)) throw new AppError('not_found', `Unknown metadata version: ${version}`);
}

function required(signed: SignedMachine | undefined): SignedMachine {
  if (!signed)
    throw new AppError(
      'unauthenticated',
      "Authorization Error: this needs the machine's metadata credentials (OAuth).",
    );
  return signed;
}

function opOf(request: FastifyRequest): string | undefined {
  const body = request.body instanceof FormParams ? request.body : undefined;
  return queryOf(request).get('op') ?? body?.get('op');
}

function enlistItem(item: string): MetadataBody {
  const value = enlistMetaData[item];
  if (value === undefined) throw new AppError('not_found', `Unknown metadata attribute: ${item}`);
  return list([value]);
}

const enlistItems = list(['instance-id', 'local-hostname']);

/**
 * The metadata API at `/MAAS/metadata/` (MAAS metadataserver/urls.py), spoken by machines:
 * cloud-init's MAAS datasource, the script runner, curtin. Signed requests are the machine's
 * own (NodeCredentialService); unsigned ones get the enlistment view, as in MAAS. Unlike MAAS,
 * nothing about a known machine is served without its credentials: `by-id/…/?op=get_preseed`
 * needs the boot token of its current boot, `by-mac/` is not served, and the status webhook
 * takes events only for the machine the credentials belong to.
 */
export function registerMetadataApi(app: FastifyInstance, services: Services): void {
  app.get(`${PREFIX}/`, async (_request, reply) => send(reply, list(['2012-03-01', 'latest'])));

  app.get(`${PREFIX}/:version/`, async (request, reply) => {
    checkVersion(request);
    const signed = await signedMachine(request, services);
    return send(
      reply,
      list(signed ? ['maas-scripts', 'meta-data', 'user-data'] : ['meta-data', 'user-data']),
    );
  });

  app.post(`${PREFIX}/:version/`, async (request, reply) => {
    checkVersion(request);
    if (request.body !== undefined && !(request.body instanceof FormParams))
      throw AppError.invalid({ body: 'Expected a form (multipart or urlencoded).' });
    const { machine } = required(await signedMachine(request, services));
    const op = opOf(request);
    switch (op) {
      case 'signal': {
        const form = request.body ?? new FormParams();
        await services.metadataSignals.signal(machine, signalInput(form.withFallback(queryOf(request))));
        break;
      }
      case 'netboot_on':
      case 'netboot_off':
        await services.metadata.setNetboot(machine, op === 'netboot_on');
        break;
      case undefined:
      default:
        throw AppError.invalid({ op: `Unrecognised signature: method=POST op=${op ?? 'None'}` });
    }
    return reply.status(200).type('text/plain; charset=utf-8').send('OK');
  });

  app.get(`${PREFIX}/:version/meta-data/`, async (request, reply) => {
    checkVersion(request);
    const signed = await signedMachine(request, services);
    return send(reply, signed ? list(await services.metadata.listMetaData(signed.machine)) : enlistItems);
  });

  app.get(`${PREFIX}/:version/meta-data/:item`, async (request, reply) => {
    checkVersion(request);
    const item = (request.params as Params)['item'] ?? '';
    const signed = await signedMachine(request, services);
    return send(reply, signed ? await services.metadata.metaData(signed.machine, item) : enlistItem(item));
  });

  app.get(`${PREFIX}/:version/user-data`, async (request, reply) => {
    checkVersion(request);
    const signed = await signedMachine(request, services);
    if (!signed)
      return send(reply, { body: enlistmentUserData(maasUrlOf(request)), contentType: 'text/plain' });
    const body = await services.metadata.userData(signed.machine, signed.credentials, metadataUrlOf(request));
    if (!body)
      return reply.status(404).type('text/plain; charset=utf-8').send('No user data for this machine.');
    return send(reply, body);
  });

  app.get(`${PREFIX}/:version/maas-scripts`, async (request, reply) => {
    checkVersion(request);
    const signed = await signedMachine(request, services);
    // An enlisting machine runs nothing here: no scripts are handed out anonymously.
    const tar = signed
      ? await services.metadata.scriptsTar(signed.machine)
      : emptyScriptsTar(Math.floor(Date.now() / 1000));
    return reply.status(200).type('application/x-tar').send(tar);
  });

  // MAAS serves this without authentication (LP#1015559): here it takes the boot token.
  app.get(`${PREFIX}/:version/by-id/:system_id/`, async (request, reply) => {
    checkVersion(request);
    const systemId = (request.params as Params)['system_id'] ?? '';
    const query = queryOf(request);
    if (query.get('op') !== 'get_preseed')
      throw AppError.invalid({ op: `Unrecognised signature: method=GET op=${query.get('op') ?? 'None'}` });
    const { machine, credentials } = await services.nodeCredentials.redeemBootToken(
      systemId,
      query.get('boot_token'),
      request.ip,
    );
    const status = statusOf(machine);
    const preseed = machinePreseed({
      metadataUrl: metadataUrlOf(request),
      systemId,
      credentials,
      installing: status === 'DEPLOYING' && !machine.ephemeral_deploy,
    });
    return reply.status(200).type('text/plain; charset=utf-8').send(preseed);
  });

  // MAAS also takes netboot_off here anonymously; here only from the machine itself.
  app.post(`${PREFIX}/:version/by-id/:system_id/`, async (request, reply) => {
    checkVersion(request);
    const { machine } = required(await signedMachine(request, services));
    if (machine.system_id !== (request.params as Params)['system_id'])
      throw new AppError('forbidden', 'These credentials belong to another machine.');
    const op = opOf(request);
    if (op !== 'netboot_off' && op !== 'netboot_on')
      throw AppError.invalid({ op: `Unrecognised signature: method=POST op=${op ?? 'None'}` });
    await services.metadata.setNetboot(machine, op === 'netboot_on');
    return reply.status(200).type('text/plain; charset=utf-8').send('OK');
  });

  app.all(`${PREFIX}/:version/by-mac/*`, () => {
    throw new AppError(
      'unauthenticated',
      "Authorization Error: Ferrum does not serve a machine's metadata by MAC address without its credentials.",
    );
  });

  app.get(`${PREFIX}/:version/enlist-preseed/`, async (request, reply) => {
    checkVersion(request);
    const op = queryOf(request).get('op');
    if (op !== 'get_enlist_preseed')
      throw AppError.invalid({ op: `Unrecognised signature: method=GET op=${op ?? 'None'}` });
    return reply
      .status(200)
      .type('text/plain; charset=utf-8')
      .send(enlistPreseed(metadataUrlOf(request)));
  });

  app.get(`${PREFIX}/enlist/:version/`, async (request, reply) => {
    checkVersion(request);
    return send(reply, list(['meta-data', 'user-data']));
  });
  app.get(`${PREFIX}/enlist/:version/meta-data/`, async (request, reply) => {
    checkVersion(request);
    return send(reply, enlistItems);
  });
  app.get(`${PREFIX}/enlist/:version/meta-data/:item`, async (request, reply) => {
    checkVersion(request);
    return send(reply, enlistItem((request.params as Params)['item'] ?? ''));
  });
  app.get(`${PREFIX}/enlist/:version/user-data`, async (request, reply) => {
    checkVersion(request);
    return send(reply, { body: enlistmentUserData(maasUrlOf(request)), contentType: 'text/plain' });
  });

  // cloud-init's webhook reporter posts JSON with whatever Content-Type urllib gives it
  // (often none, or urlencoded): this route reads its body raw, in a scope of its own.
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });
    scope.post(`${PREFIX}/status/:system_id`, async (request, reply) => {
      const { machine } = required(await signedMachine(request, services));
      if (machine.system_id !== (request.params as Params)['system_id'])
        throw new AppError('forbidden', 'These credentials belong to another machine.');
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      await services.metadataStatusEvents.receive(machine, statusEventInput(body));
      return reply.status(204).send();
    });
    done();
  });
}

function maasUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/MAAS/`;
}
