export { loadRackConfig, rackConfigSchema, imageDirOf, type RackConfig } from './rack-config.js';
export { readIdentity, identityPath, type RackIdentity } from './rack-identity.js';
export { registerRack, startRack, rpcUrls, type RunningRack, type RackTimings } from './rack.js';
export { RegionLink } from './region-link.js';
export { builtInKnowledge } from './built-in-knowledge.js';
export type { RackKnowledge } from './rack-handler.js';
