/** The closed set of error codes every layer speaks. Each boundary maps them with a complete table. */
export const errorCodes = [
  'not_found',
  'conflict',
  'validation_failed',
  'invalid_transition',
  'unauthenticated',
  'forbidden',
  'gone',
  'unavailable',
  'power_auth_failed',
  'power_unreachable',
  'rack_unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
