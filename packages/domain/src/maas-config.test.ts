import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import {
  configItems,
  defaultConfigValue,
  isConfigName,
  parseConfigValue,
  redactConfigValue,
  renderConfigValue,
  resolveConfigName,
  type ConfigName,
} from './maas-config.js';

/** The field errors of the validation error `run` throws. */
function fieldErrors(run: () => unknown): Readonly<Record<string, readonly string[]>> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe('validation_failed');
    return appError.details.fields ?? {};
  }
  throw new Error('expected a validation error');
}

describe('parseConfigValue', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['', false],
  ])('reads the boolean %j as %s', (raw, expected) => {
    expect(parseConfigValue('ntp_external_only', raw)).toBe(expected);
  });

  it('rejects a word that is not a boolean, keyed by the item name', () => {
    expect(fieldErrors(() => parseConfigValue('ntp_external_only', 'maybe'))).toEqual({
      ntp_external_only: ['Invalid value for ntp_external_only: expected true or false.'],
    });
  });

  it('reads whole numbers within the item bounds', () => {
    expect(parseConfigValue('default_dns_ttl', '300')).toBe(300);
    expect(parseConfigValue('default_dns_ttl', ' 1 ')).toBe(1);
    expect(parseConfigValue('active_discovery_interval', '0')).toBe(0);
  });

  it.each(['0', '-5', '2147483648', '99999999999999999999'])(
    'rejects %s for default_dns_ttl naming the range',
    (raw) => {
      expect(fieldErrors(() => parseConfigValue('default_dns_ttl', raw))['default_dns_ttl']?.[0]).toMatch(
        /from 1 to 2147483647/,
      );
    },
  );

  it.each(['', '1.5', '1e3', 'ten', '0x10'])('rejects %j as not a whole number', (raw) => {
    expect(fieldErrors(() => parseConfigValue('node_timeout', raw))['node_timeout']?.[0]).toMatch(
      /whole number/,
    );
  });

  it('accepts only the listed choices, case-sensitively', () => {
    expect(parseConfigValue('dnssec_validation', 'no')).toBe('no');
    expect(parseConfigValue('maas_auto_ipmi_cipher_suite_id', '')).toBe('');
    const problem = fieldErrors(() => parseConfigValue('dnssec_validation', 'NO'))['dnssec_validation']?.[0];
    expect(problem).toMatch(/"auto", "yes", "no"/);
    expect(() => parseConfigValue('default_storage_layout', 'zfs')).toThrow(/one of "flat"/);
  });

  it('splits lists on spaces and commas', () => {
    expect(parseConfigValue('upstream_dns', '8.8.8.8, 1.1.1.1  2001:4860:4860::8888')).toEqual([
      '8.8.8.8',
      '1.1.1.1',
      '2001:4860:4860::8888',
    ]);
    expect(parseConfigValue('upstream_dns', '')).toEqual([]);
    expect(parseConfigValue('ntp_servers', 'ntp.ubuntu.com 10.0.0.1')).toEqual([
      'ntp.ubuntu.com',
      '10.0.0.1',
    ]);
    expect(parseConfigValue('dns_trusted_acl', '10.0.0.0/8 fd00::/8 192.168.1.1')).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      '192.168.1.1',
    ]);
    expect(parseConfigValue('maas_auto_ipmi_workaround_flags', 'opensesspriv,authcap')).toEqual([
      'opensesspriv',
      'authcap',
    ]);
  });

  it('rejects list entries that are not what the item holds, naming them', () => {
    expect(
      fieldErrors(() => parseConfigValue('upstream_dns', '8.8.8.8 dns.google 300.1.1.1'))[
        'upstream_dns'
      ]?.[0],
    ).toBe(
      'Invalid value for upstream_dns: expected space-separated IP addresses; not valid: dns.google, 300.1.1.1.',
    );
    expect(() => parseConfigValue('ntp_servers', 'ntp;rm -rf')).toThrow(
      /host names or IP addresses; not valid: ntp;rm/,
    );
    expect(() => parseConfigValue('dns_trusted_acl', '10.0.0.0/33')).toThrow(/not valid: 10.0.0.0\/33/);
    expect(() => parseConfigValue('upstream_dns', '1::2::3')).toThrow(/not valid: 1::2::3/);
  });

  it('checks URLs and durations, and clears optional strings with an empty value', () => {
    expect(parseConfigValue('maas_url', 'http://10.0.0.2:5240/MAAS')).toBe('http://10.0.0.2:5240/MAAS');
    expect(() => parseConfigValue('maas_url', 'ftp://x')).toThrow(/an http\(s\) URL/);
    expect(() => parseConfigValue('maas_url', '')).toThrow(/an http\(s\) URL/);
    expect(parseConfigValue('http_proxy', '')).toBeNull();
    expect(parseConfigValue('http_proxy', 'http://proxy:3128/')).toBe('http://proxy:3128/');
    expect(() => parseConfigValue('http_proxy', 'proxy:3128')).toThrow(/an http\(s\) URL/);
    expect(parseConfigValue('hardware_sync_interval', '1h30m')).toBe('1h30m');
    expect(() => parseConfigValue('hardware_sync_interval', '90')).toThrow(/duration such as 15m/);
    expect(parseConfigValue('maas_name', '')).toBe('');
  });
});

describe('configItems', () => {
  it('gives every item a default its own parser accepts back', () => {
    for (const name of Object.keys(configItems) as ConfigName[]) {
      const rendered = renderConfigValue(defaultConfigValue(name));
      const raw = rendered === null ? '' : String(rendered);
      expect(renderConfigValue(parseConfigValue(name, raw)), name).toEqual(rendered);
    }
  });
});

describe('resolveConfigName', () => {
  it("knows the items and MAAS's old alias ntp_server", () => {
    expect(resolveConfigName('maas_name')).toBe('maas_name');
    expect(resolveConfigName('ntp_server')).toBe('ntp_servers');
    expect(resolveConfigName('no_such_item')).toBeUndefined();
    expect(resolveConfigName('toString')).toBeUndefined();
    expect(isConfigName('constructor')).toBe(false);
  });
});

describe('renderConfigValue', () => {
  it('renders lists as space-separated strings and leaves scalars alone', () => {
    expect(renderConfigValue(['a', 'b'])).toBe('a b');
    expect(renderConfigValue([])).toBe('');
    expect(renderConfigValue(30)).toBe(30);
    expect(renderConfigValue(false)).toBe(false);
    expect(renderConfigValue(null)).toBeNull();
  });
});

describe('redactConfigValue', () => {
  it('masks the password of URL items', () => {
    expect(redactConfigValue('http_proxy', 'http://user:s3cret@proxy/')).toBe('http://user:***@proxy/');
    expect(redactConfigValue('maas_url', 'http://op:pw@10.0.0.2:5240/MAAS')).toBe(
      'http://op:***@10.0.0.2:5240/MAAS',
    );
  });

  it('leaves URLs without credentials, empty URL items and other items alone', () => {
    expect(redactConfigValue('http_proxy', 'http://proxy:3128/')).toBe('http://proxy:3128/');
    expect(redactConfigValue('http_proxy', null)).toBeNull();
    expect(redactConfigValue('default_dns_ttl', 30)).toBe(30);
    expect(redactConfigValue('ntp_servers', ['ntp.ubuntu.com'])).toEqual(['ntp.ubuntu.com']);
  });
});
