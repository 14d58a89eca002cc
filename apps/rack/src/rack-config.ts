import { join, resolve } from 'node:path';
import {
  logSettings,
  defaultDataDir,
  intSetting,
  loadConfig,
  optionalStringSetting,
  stringSetting,
  type ConfigOf,
} from '@ferrum/kit';

const absolute = (raw: unknown) => {
  const r = stringSetting(raw);
  return r.ok ? { ok: true as const, value: resolve(r.value) } : r;
};

const optionalAbsolute = (raw: unknown) => {
  const r = optionalStringSetting(raw);
  return r.ok && r.value !== undefined ? { ok: true as const, value: resolve(r.value) } : r;
};

export const rackConfigSchema = {
  dataDir: {
    env: 'FERRUM_DATA_DIR',
    description: "Data directory: the rack's identity (rack.json) and caches.",
    default: defaultDataDir,
    parse: absolute,
  },
  imageDir: {
    env: 'FERRUM_RACK_IMAGE_DIR',
    description: 'Boot-image cache (default: <data dir>/rack/images).',
    default: undefined,
    parse: optionalAbsolute,
  },
  caFile: {
    env: 'FERRUM_RACK_CA_FILE',
    description: "PEM certificates the rack trusts for a wss:// region (besides the system's).",
    default: undefined,
    parse: optionalAbsolute,
  },
  secret: {
    env: 'FERRUM_RACK_SECRET',
    description:
      'The shared secret `ferrum rack register` proves (the region prints it: ferrum rack secret).',
    default: undefined,
    secret: true,
    parse: optionalStringSetting,
  },
  powerMaxConcurrent: {
    env: 'FERRUM_RACK_POWER_MAX_CONCURRENT',
    description:
      'Power sequences (on, off, cycle, query) this rack runs at once, over all BMCs (1-64: a region connection carries at most 64 calls at once).',
    default: 32,
    parse: intSetting(1, 64),
  },
  powerMaxPerBmc: {
    env: 'FERRUM_RACK_POWER_MAX_PER_BMC',
    description:
      'Power sequences run at once against one BMC (1-16); more wait their turn, so a chassis is not hammered.',
    default: 1,
    parse: intSetting(1, 16),
  },
  ...logSettings,
} as const;

export type RackConfig = ConfigOf<typeof rackConfigSchema>;

/** The rack's configuration, from the environment (FERRUM_CONFIG is the region's file). */
export function loadRackConfig(env: NodeJS.ProcessEnv): RackConfig {
  return loadConfig(rackConfigSchema, { env });
}

/** Where the rack's boot-image cache lives under this configuration. */
export function imageDirOf(config: RackConfig): string {
  return config.imageDir ?? join(config.dataDir, 'rack', 'images');
}
