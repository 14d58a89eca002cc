export * from './script-enums.js';
export * from './script-choices.js';
export * from './script-selection.js';
export * from './script-set-status.js';
export * from './signal-script-status.js';
