import type { FastifyReply } from 'fastify';
import { AppError, type ErrorCode } from '@ferrum/domain';
import { classifyDatabaseError } from '../../db/pg-errors.js';

/** MAAS's status for each error code; complete by type, so a new code cannot be forgotten. */
export const maasStatusByCode = {
  not_found: 404,
  conflict: 409,
  validation_failed: 400,
  invalid_transition: 409,
  unauthenticated: 401,
  forbidden: 403,
  gone: 410,
  unavailable: 503,
  power_auth_failed: 503,
  power_unreachable: 503,
  power_settings_invalid: 503,
  power_tool_missing: 503,
  power_bmc_busy: 503,
  power_failed: 503,
  rack_unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;

/** Statuses after which MAAS clients (gomaasapi) retry when told how long to wait. */
const defaultRetryAfter: Partial<Record<ErrorCode, number>> = {
  unavailable: 10,
  rack_unavailable: 10,
  power_unreachable: 10,
  power_bmc_busy: 10,
  power_failed: 10,
};

/**
 * Sends an error the way MAAS does: field validation errors as JSON `{"field": ["msg"]}`,
 * everything else as a plain-text message; 503 with `Retry-After`.
 */
export function sendMaasError(reply: FastifyReply, error: unknown): FastifyReply {
  const appError =
    error instanceof AppError
      ? error
      : (classifyDatabaseError(error) ?? new AppError('internal', 'Internal server error.'));
  const status = maasStatusByCode[appError.code];
  const retryAfter = appError.details.retryAfterSeconds ?? defaultRetryAfter[appError.code];
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  if (appError.details.fields && Object.keys(appError.details.fields).length > 0) {
    return reply.status(status).type('application/json').send(JSON.stringify(appError.details.fields));
  }
  return reply.status(status).type('text/plain; charset=utf-8').send(appError.message);
}
