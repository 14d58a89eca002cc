// The region's configuration items as MAAS's `maas/?op=get_config|set_config` exposes them.
// One declarative table: the name, the kind of value, its default and how a wire string is parsed.

import { AppError } from './app-error.js';
import { isIpAddress, isIpv4Address, isIpv6Address } from './ip-address.js';
import { redactUrlCredentials } from './url-credentials.js';

export type ConfigValue = string | number | boolean | null | readonly string[];

interface ConfigItemBase {
  readonly description: string;
  /** A credential: readable by administrators only, never written into events or logs. */
  readonly secret?: boolean;
}
interface StringItem extends ConfigItemBase {
  readonly kind: 'string';
  readonly default: string | null;
  readonly pattern?: RegExp;
  readonly patternHint?: string;
}
/** An http(s) URL, which may carry credentials (`http://user:password@proxy/`). */
interface UrlItem extends ConfigItemBase {
  readonly kind: 'url';
  /** Null for an optional URL, which an empty value clears. */
  readonly default: string | null;
}
interface BoolItem extends ConfigItemBase {
  readonly kind: 'bool';
  readonly default: boolean;
}
interface IntItem extends ConfigItemBase {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
interface ChoiceItem extends ConfigItemBase {
  readonly kind: 'choice';
  readonly default: string;
  readonly choices: readonly string[];
}
interface ListItem extends ConfigItemBase {
  readonly kind: 'list';
  readonly default: readonly string[];
  /** What each entry must be, when the list holds addresses. */
  readonly entries?: 'ip' | 'host' | 'network';
}
export type ConfigItem = StringItem | UrlItem | BoolItem | IntItem | ChoiceItem | ListItem;

const url = /^https?:\/\/[^\s/]+(\/\S*)?$/;

const hostname =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function isNetwork(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  if (rest.length > 0) return false;
  if (prefix === undefined) return isIpAddress(address);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return isIpv4Address(address) ? bits <= 32 : isIpv6Address(address) && bits <= 128;
}

const entryRules = {
  ip: { test: isIpAddress, hint: 'IP addresses' },
  host: { test: (t: string) => isIpAddress(t) || hostname.test(t), hint: 'host names or IP addresses' },
  network: {
    test: (t: string) => isNetwork(t) || hostname.test(t),
    hint: 'IP addresses, networks (CIDR) or host names',
  },
} as const;
const duration = /^(\d+[hms])+$/;

export const configItems = {
  maas_name: { kind: 'string', default: 'ferrum', description: 'Name of this region (shown in the UI).' },
  maas_url: {
    kind: 'url',
    default: 'http://localhost:5240/MAAS',
    description: 'URL machines use to reach the region.',
  },
  theme: { kind: 'string', default: '', description: 'UI theme.' },
  upstream_dns: {
    kind: 'list',
    default: [],
    entries: 'ip',
    description: 'Upstream DNS servers (space separated).',
  },
  dnssec_validation: {
    kind: 'choice',
    default: 'auto',
    choices: ['auto', 'yes', 'no'],
    description: 'DNSSEC validation of upstream zones.',
  },
  dns_trusted_acl: {
    kind: 'list',
    default: [],
    entries: 'network',
    description: 'Extra networks trusted by the DNS server.',
  },
  default_dns_ttl: { kind: 'int', default: 30, min: 1, max: 2147483647, description: 'Default DNS TTL.' },
  ntp_servers: { kind: 'list', default: ['ntp.ubuntu.com'], entries: 'host', description: 'NTP servers.' },
  ntp_external_only: { kind: 'bool', default: false, description: 'Use external NTP servers only.' },
  default_osystem: { kind: 'string', default: 'ubuntu', description: 'Default OS for deployment.' },
  default_distro_series: { kind: 'string', default: 'noble', description: 'Default release for deployment.' },
  commissioning_distro_series: {
    kind: 'string',
    default: 'noble',
    description: 'Release used for commissioning.',
  },
  default_min_hwe_kernel: { kind: 'string', default: '', description: 'Default minimum kernel.' },
  default_storage_layout: {
    kind: 'choice',
    default: 'flat',
    choices: ['flat', 'lvm', 'bcache', 'vmfs6', 'vmfs7', 'custom', 'blank'],
    description: 'Default storage layout.',
  },
  enable_disk_erasing_on_release: { kind: 'bool', default: false, description: 'Erase disks on release.' },
  disk_erase_with_secure_erase: {
    kind: 'bool',
    default: true,
    description: 'Use secure erase when possible.',
  },
  disk_erase_with_quick_erase: { kind: 'bool', default: false, description: 'Quick erase only.' },
  boot_images_auto_import: { kind: 'bool', default: true, description: 'Import boot images automatically.' },
  http_proxy: { kind: 'url', default: null, description: 'Proxy for APT and image downloads.' },
  enable_http_proxy: { kind: 'bool', default: true, description: 'Enable the HTTP proxy.' },
  use_peer_proxy: { kind: 'bool', default: false, description: 'Use http_proxy as a peer proxy.' },
  network_discovery: {
    kind: 'choice',
    default: 'enabled',
    choices: ['enabled', 'disabled'],
    description: 'Passive network discovery.',
  },
  active_discovery_interval: {
    kind: 'int',
    default: 10800,
    min: 0,
    max: 604800,
    description: 'Active subnet mapping interval in seconds (0 = never).',
  },
  node_timeout: {
    kind: 'int',
    default: 30,
    min: 1,
    max: 1440,
    description: 'Minutes before a deploying/commissioning machine is marked failed.',
  },
  kernel_opts: { kind: 'string', default: '', description: 'Boot parameters passed to the kernel.' },
  enable_third_party_drivers: { kind: 'bool', default: true, description: 'Install third-party drivers.' },
  enable_analytics: { kind: 'bool', default: false, description: 'UI analytics.' },
  completed_intro: { kind: 'bool', default: false, description: 'The UI intro has been completed.' },
  remote_syslog: { kind: 'string', default: null, description: 'Remote syslog server for machines.' },
  maas_auto_ipmi_user: {
    kind: 'string',
    default: 'maas',
    description: 'IPMI user created at commissioning.',
  },
  maas_auto_ipmi_user_privilege_level: {
    kind: 'choice',
    default: 'ADMIN',
    choices: ['ADMIN', 'OPERATOR', 'USER'],
    description: 'Privilege of the automatic IPMI user.',
  },
  maas_auto_ipmi_k_g_bmc_key: { kind: 'string', default: '', secret: true, description: 'IPMI K_g BMC key.' },
  maas_auto_ipmi_cipher_suite_id: {
    kind: 'choice',
    default: '3',
    choices: ['', '3', '8', '12', '17'],
    description: 'IPMI cipher suite.',
  },
  maas_auto_ipmi_workaround_flags: {
    kind: 'list',
    default: ['opensesspriv'],
    description: 'ipmitool -W flags.',
  },
  hardware_sync_interval: {
    kind: 'string',
    default: '15m',
    pattern: duration,
    patternHint: 'a duration such as 15m or 1h30m',
    description: 'Hardware sync interval.',
  },
  session_length: {
    kind: 'int',
    default: 1209600,
    min: 60,
    max: 31536000,
    description: 'UI session length in seconds.',
  },
  enlist_commissioning: { kind: 'bool', default: true, description: 'Commission machines at enlistment.' },
  release_notifications: { kind: 'bool', default: true, description: 'Show release notifications.' },
  curtin_verbose: { kind: 'bool', default: true, description: 'Verbose installer output.' },
  force_v1_network_yaml: { kind: 'bool', default: false, description: 'Force v1 netplan YAML.' },
  max_node_commissioning_results: {
    kind: 'int',
    default: 10,
    min: 1,
    max: 1000,
    description: 'Kept results.',
  },
  max_node_testing_results: { kind: 'int', default: 10, min: 1, max: 1000, description: 'Kept results.' },
  max_node_installation_results: { kind: 'int', default: 3, min: 1, max: 1000, description: 'Kept results.' },
  max_node_release_results: { kind: 'int', default: 3, min: 1, max: 1000, description: 'Kept results.' },
  prometheus_enabled: { kind: 'bool', default: false, description: 'Push metrics to Prometheus.' },
  prometheus_push_gateway: { kind: 'string', default: null, description: 'Prometheus push gateway.' },
  prometheus_push_interval: {
    kind: 'int',
    default: 60,
    min: 1,
    max: 86400,
    description: 'Push interval (min).',
  },
  promtail_enabled: { kind: 'bool', default: false, description: 'Forward logs to Promtail.' },
  promtail_port: { kind: 'int', default: 5238, min: 1, max: 65535, description: 'Promtail port.' },
  windows_kms_host: { kind: 'string', default: null, description: 'Windows KMS host.' },
  vcenter_server: { kind: 'string', default: '', description: 'VMware vCenter server.' },
  vcenter_username: { kind: 'string', default: '', description: 'VMware vCenter user.' },
  vcenter_password: { kind: 'string', default: '', secret: true, description: 'VMware vCenter password.' },
  vcenter_datacenter: { kind: 'string', default: '', description: 'VMware vCenter datacenter.' },
  tls_port: { kind: 'int', default: 5443, min: 1, max: 65535, description: 'HTTPS port of the region.' },
  auto_vlan_creation: { kind: 'bool', default: true, description: 'Create VLANs seen by racks.' },
} as const satisfies Record<string, ConfigItem>;

export type ConfigName = keyof typeof configItems;

export function isConfigName(name: string): name is ConfigName {
  return Object.hasOwn(configItems, name);
}

/** Old names MAAS still accepts for a config item (`ntp_server` became `ntp_servers`). */
const configAliases: Readonly<Record<string, ConfigName>> = { ntp_server: 'ntp_servers' };

/** The config item a wire name refers to, through the aliases MAAS keeps; undefined when unknown. */
export function resolveConfigName(name: string): ConfigName | undefined {
  if (isConfigName(name)) return name;
  return Object.hasOwn(configAliases, name) ? configAliases[name] : undefined;
}

const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off', '']);

/**
 * Parses a wire string for config item `name`, or throws a validation error keyed by the
 * item's name, as MAAS's settings form reports it (`{"default_dns_ttl": ["…"]}`).
 */
export function parseConfigValue(name: ConfigName, raw: string): ConfigValue {
  const item: ConfigItem = configItems[name];
  const fail = (message: string): never => {
    throw AppError.invalid({ [name]: `Invalid value for ${name}: ${message}` });
  };
  switch (item.kind) {
    case 'string':
      // An empty value clears an optional item; an item with a format has no empty form.
      if (item.default === null && raw === '') return null;
      if (item.pattern && !item.pattern.test(raw))
        return fail(`expected ${item.patternHint ?? 'a valid value'}.`);
      return raw;
    case 'url':
      if (item.default === null && raw === '') return null;
      if (!url.test(raw)) return fail('expected an http(s) URL.');
      return raw;
    case 'bool': {
      const word = raw.trim().toLowerCase();
      if (trueWords.has(word)) return true;
      if (falseWords.has(word)) return false;
      return fail('expected true or false.');
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return fail('expected a whole number.');
      const n = Number(raw.trim());
      if (n < item.min || n > item.max) return fail(`expected a number from ${item.min} to ${item.max}.`);
      return n;
    }
    case 'choice':
      if (!item.choices.includes(raw))
        return fail(`expected one of ${item.choices.map((c) => JSON.stringify(c)).join(', ')}.`);
      return raw;
    case 'list': {
      const entries = raw.split(/[\s,]+/).filter((part) => part !== '');
      if (item.entries) {
        const rule = entryRules[item.entries];
        const bad = entries.filter((entry) => !rule.test(entry));
        if (bad.length > 0)
          return fail(`expected space-separated ${rule.hint}; not valid: ${bad.join(', ')}.`);
      }
      return entries;
    }
  }
}

/** How MAAS renders a config value on the wire: lists as space-separated strings. */
export function renderConfigValue(value: ConfigValue): string | number | boolean | null {
  if (Array.isArray(value)) return value.join(' ');
  return value as string | number | boolean | null;
}

export function defaultConfigValue(name: ConfigName): ConfigValue {
  return configItems[name].default;
}

/** True for credentials (vCenter password, IPMI K_g key): admins only, never echoed into events. */
export function isSecretConfig(name: ConfigName): boolean {
  const item: ConfigItem = configItems[name];
  return item.secret === true;
}

/**
 * The value with the password of URL items masked (`http://user:***@proxy/`): what audit
 * events record and what users other than administrators read.
 */
export function redactConfigValue(name: ConfigName, value: ConfigValue): ConfigValue {
  const item: ConfigItem = configItems[name];
  return item.kind === 'url' && typeof value === 'string' ? redactUrlCredentials(value) : value;
}
