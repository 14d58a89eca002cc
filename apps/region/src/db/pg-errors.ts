import { AppError } from '@ferrum/domain';

/** True for PostgreSQL's unique_violation (23505), optionally on a named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** True for a foreign key violation (23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23503';
}

const unavailableCodes = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '53300', // too_many_connections
  '08000',
  '08003',
  '08006',
  '08001',
  '08004', // connection exceptions
]);
const retryCodes = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * What a database failure means to a client: the database unreachable → 503 (retry in 10 s);
 * a serialization failure or deadlock → 409 (retry in 5 s), as MAAS answers. Undefined for
 * anything else, which stays an internal error.
 */
export function classifyDatabaseError(error: unknown): AppError | undefined {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  if (typeof code === 'string' && retryCodes.has(code)) {
    return new AppError(
      'conflict',
      'The database could not serialise this request with a concurrent one; retry it.',
      { retryAfterSeconds: 5 },
    );
  }
  // ENOENT counts only for PostgreSQL's Unix socket (`…/.s.PGSQL.5432`), not for any missing file.
  const socketMissing = code === 'ENOENT' && /\.s\.PGSQL\./.test(message);
  if (
    (typeof code === 'string' && (unavailableCodes.has(code) || networkCodes.has(code))) ||
    socketMissing ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(message)
  ) {
    return new AppError('unavailable', 'The database is unavailable; retry shortly.', {
      retryAfterSeconds: 10,
    });
  }
  return undefined;
}
