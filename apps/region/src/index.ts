export { buildApp, type AppDeps } from './app.js';
export { loadRegionConfig, regionConfigSchema, type RegionConfig } from './config.js';
export { startRegion, openRegionContext, type RunningRegion, type RegionContext } from './region.js';
export { readHealth, type HealthInfo } from './http/health.js';
export { formatApiKey } from './services/token-service.js';
export { createServices, type Services } from './services/services.js';
export { openDatabase } from './db/database.js';
export { migrateToLatest, latestSchemaVersion, currentSchemaVersion } from './db/migrator.js';
