export * from './node-status.js';
export * from './status-transitions.js';
export * from './machine-actions.js';
export * from './boot-purpose.js';
export * from './allocation-constraints.js';
export * from './hostname.js';
export * from './hardware-info-keys.js';
