import { resolve } from 'node:path';
import { isIpAddress } from '@ferrum/domain';
import { unsafeDataDirCharacters } from './db/data-dir-rules.js';
import {
  ConfigError,
  logSettings,
  choiceSetting,
  defaultDataDir,
  intSetting,
  loadConfig,
  optionalStringSetting,
  portSetting,
  stringSetting,
  type ConfigOf,
} from '@ferrum/kit';

export const regionConfigSchema = {
  dataDir: {
    env: 'FERRUM_DATA_DIR',
    description: 'Data directory (embedded PostgreSQL, caches).',
    default: defaultDataDir,
    parse: (raw: unknown) => {
      const r = stringSetting(raw);
      if (!r.ok) return r;
      if (unsafeDataDirCharacters.test(r.value))
        return {
          ok: false as const,
          message: 'must not contain " $ ` \\ or a newline (PostgreSQL\'s pg_ctl cannot take them)',
        };
      return { ok: true as const, value: resolve(r.value) };
    },
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'PostgreSQL connection URL; when unset Ferrum runs an embedded PostgreSQL in the data dir.',
    default: undefined,
    secret: true,
    parse: (raw: unknown) => {
      const r = optionalStringSetting(raw);
      if (!r.ok || r.value === undefined) return r;
      return /^postgres(ql)?:\/\//.test(r.value)
        ? r
        : { ok: false as const, message: 'expected a postgresql:// URL' };
    },
  },
  httpPort: { env: 'FERRUM_HTTP_PORT', description: 'Region HTTP port.', default: 5240, parse: portSetting },
  bindAddress: {
    env: 'FERRUM_BIND_ADDRESS',
    description: 'Address the region listens on.',
    default: '0.0.0.0',
    parse: (raw: unknown) => {
      const r = stringSetting(raw);
      if (!r.ok) return r;
      return isIpAddress(r.value) || r.value === 'localhost'
        ? r
        : { ok: false as const, message: `expected an IPv4 or IPv6 address, got ${JSON.stringify(r.value)}` };
    },
  },
  ...logSettings,
  dbPoolSize: {
    env: 'FERRUM_DB_POOL_SIZE',
    description: 'Database connections per region process.',
    default: 20,
    parse: intSetting(1, 500),
  },
  dbPreparedStatements: {
    env: 'FERRUM_DB_PREPARED_STATEMENTS',
    description:
      'Prepare often-run statements on the database server (on, off); off behind a pooler that cannot keep them.',
    default: 'on',
    parse: choiceSetting(['on', 'off'] as const),
  },
  powerPollInterval: {
    env: 'FERRUM_POWER_POLL_INTERVAL',
    description:
      'Seconds between two power-state polls of a queryable machine, spread over the interval (0: no polling).',
    default: 300,
    parse: (raw: unknown) => {
      const r = intSetting(0, 86_400)(raw);
      if (!r.ok || r.value === 0 || r.value >= 10) return r;
      return { ok: false as const, message: 'must be 0 (no polling) or at least 10 seconds' };
    },
  },
  tlsCertFile: {
    env: 'FERRUM_TLS_CERT_FILE',
    description:
      'PEM certificate (chain) to serve HTTPS and the rack RPC over TLS (wss://); with FERRUM_TLS_KEY_FILE.',
    default: undefined,
    parse: optionalPath,
  },
  tlsKeyFile: {
    env: 'FERRUM_TLS_KEY_FILE',
    description: "PEM private key of FERRUM_TLS_CERT_FILE's certificate.",
    default: undefined,
    parse: optionalPath,
  },
} as const;

function optionalPath(
  raw: unknown,
): { ok: true; value: string | undefined } | { ok: false; message: string } {
  const r = optionalStringSetting(raw);
  return r.ok && r.value !== undefined ? { ok: true, value: resolve(r.value) } : r;
}

export type RegionConfig = ConfigOf<typeof regionConfigSchema>;

/** Parses the region configuration from the environment and the optional `FERRUM_CONFIG` JSON file. */
export function loadRegionConfig(env: NodeJS.ProcessEnv): RegionConfig {
  const config = loadConfig(regionConfigSchema, { env, file: env['FERRUM_CONFIG'] || undefined });
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined))
    throw new ConfigError([
      config.tlsCertFile === undefined
        ? 'FERRUM_TLS_CERT_FILE: must be set with FERRUM_TLS_KEY_FILE'
        : 'FERRUM_TLS_KEY_FILE: must be set with FERRUM_TLS_CERT_FILE',
    ]);
  return config;
}
