import type { FastifyRequest } from 'fastify';
import type { MachineRow } from '../../db/schema.js';
import type { Services } from '../../services/services.js';
import type { NodeCredentials } from '../../services/node-credential-service.js';
import { FormParams } from '../maas/form-params.js';
import { extractOAuthParams } from '../maas/oauth-params.js';

/** The machine a metadata request is signed for, and the credentials it was signed with. */
export interface SignedMachine {
  readonly machine: MachineRow;
  readonly credentials: NodeCredentials;
}

export function queryOf(request: FastifyRequest): FormParams {
  const index = request.url.indexOf('?');
  return FormParams.fromSearchParams(new URLSearchParams(index >= 0 ? request.url.slice(index + 1) : ''));
}

/**
 * The signed machine of a request, or undefined when it carries no OAuth at all; 401 for
 * credentials that are wrong, revoked or replayed (never an anonymous fallback).
 */
export async function signedMachine(
  request: FastifyRequest,
  services: Services,
): Promise<SignedMachine | undefined> {
  const body = request.body instanceof FormParams ? request.body : undefined;
  const oauth = extractOAuthParams(request.headers.authorization, queryOf(request), body);
  if (!oauth) return undefined;
  const machine = await services.nodeCredentials.authenticate(oauth);
  return {
    machine,
    credentials: {
      consumerKey: oauth.consumerKey,
      tokenKey: oauth.tokenKey,
      tokenSecret: oauth.signature.slice(1),
    },
  };
}

/** The metadata API's base URL as the machine reached it (directly, or through its rack's proxy). */
export function metadataUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/MAAS/metadata/`;
}
