/** The consumer name MAAS gives an API token created without one. */
export const DEFAULT_TOKEN_NAME = 'MAAS consumer';
