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
  'power_settings_invalid',
  'power_tool_missing',
  'power_bmc_busy',
  'power_failed',
  'rack_unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
