export * from './error-code.js';
export * from './app-error.js';
export * from './names.js';
export * from './maas-config.js';
export * from './event-level.js';
export * from './ip-address.js';
export * from './db-id.js';
export * from './url-credentials.js';
