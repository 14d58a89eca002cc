export * from './run-command.js';
export * from './atomic-write.js';
export * from './logger.js';
export * from './config-loader.js';
export * from './data-dir.js';
