import { testSecrets } from '../support/test-secrets.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/services.js';
import { useTestRegion } from '../support/test-region.js';

const region = useTestRegion();

const maas = '/MAAS/api/2.0/maas/';

async function getConfig(name: string, key = region.userKey) {
  return region.request('GET', `${maas}?op=get_config&name=${encodeURIComponent(name)}`, { key });
}

async function setConfig(name: string, value: string | undefined) {
  return region.request('POST', `${maas}?op=set_config`, {
    key: region.adminKey,
    form: { name, ...(value !== undefined ? { value } : {}) },
  });
}

describe('maas/?op=get_config', () => {
  it.each([
    ['maas_name', 'ferrum'],
    ['default_dns_ttl', 30],
    ['ntp_servers', 'ntp.ubuntu.com'],
    ['upstream_dns', ''],
    ['enable_disk_erasing_on_release', false],
    ['boot_images_auto_import', true],
    ['default_storage_layout', 'flat'],
    ['http_proxy', null],
    ['node_timeout', 30],
  ])('returns the default of %s as JSON', async (name, expected) => {
    const response = await getConfig(name);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual(expected);
  });

  it('rejects an unknown name with 400 naming the field', async () => {
    const response = await getConfig('no_such_setting');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ name: string[] }>().name[0]).toMatch(
      /^Unknown configuration name 'no_such_setting'/,
    );
  });

  it('names a missing name', async () => {
    const response = await region.request('GET', `${maas}?op=get_config`, { key: region.userKey });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ name: ['This field is required.'] });
  });

  it("accepts MAAS's old name ntp_server for ntp_servers", async () => {
    expect((await getConfig('ntp_server')).json()).toBe((await getConfig('ntp_servers')).json());
  });
});

describe('maas/?op=set_config', () => {
  it('answers the text OK and the value reads back, also through a fresh set of services', async () => {
    const response = await setConfig('maas_name', 'lab-region');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('OK');
    expect((await getConfig('maas_name')).json()).toBe('lab-region');
    const fresh = createServices({ db: region.database.db, secrets: testSecrets() });
    expect(await fresh.config.get('maas_name')).toBe('lab-region');
  });

  it('stores booleans from the words MAAS accepts', async () => {
    expect((await setConfig('enable_disk_erasing_on_release', 'true')).statusCode).toBe(200);
    expect((await getConfig('enable_disk_erasing_on_release')).json()).toBe(true);
    await setConfig('enable_disk_erasing_on_release', '0');
    expect((await getConfig('enable_disk_erasing_on_release')).json()).toBe(false);
  });

  it('stores whole numbers as numbers', async () => {
    await setConfig('default_dns_ttl', '300');
    expect((await getConfig('default_dns_ttl')).json()).toBe(300);
  });

  it('stores a choice', async () => {
    await setConfig('default_storage_layout', 'lvm');
    expect((await getConfig('default_storage_layout')).json()).toBe('lvm');
  });

  it('stores a list and renders it space-separated', async () => {
    await setConfig('upstream_dns', '8.8.8.8,1.1.1.1  2606:4700:4700::1111');
    expect((await getConfig('upstream_dns')).json()).toBe('8.8.8.8 1.1.1.1 2606:4700:4700::1111');
  });

  it('stores a URL, and clears an optional one with an empty value', async () => {
    await setConfig('http_proxy', 'http://squid.lab:3128/');
    expect((await getConfig('http_proxy')).json()).toBe('http://squid.lab:3128/');
    await setConfig('http_proxy', '');
    expect((await getConfig('http_proxy')).json()).toBeNull();
  });

  it.each([
    ['enable_disk_erasing_on_release', 'sometimes', /expected true or false/],
    ['default_dns_ttl', 'thirty', /expected a whole number/],
    ['default_dns_ttl', '0', /from 1 to 2147483647/],
    ['node_timeout', '100000', /from 1 to 1440/],
    ['default_storage_layout', 'zfs', /expected one of "flat"/],
    ['dnssec_validation', 'maybe', /expected one of "auto", "yes", "no"/],
    ['maas_url', 'not a url', /an http\(s\) URL/],
    ['http_proxy', 'squid:3128', /an http\(s\) URL/],
    ['upstream_dns', '8.8.8.8 dns.example', /IP addresses; not valid: dns\.example/],
    ['hardware_sync_interval', 'often', /duration/],
  ])('rejects %s=%j with 400 naming the setting and the problem', async (name, value, message) => {
    const before = (await getConfig(name)).json<unknown>();
    const response = await setConfig(name, value);
    expect(response.statusCode).toBe(400);
    const body = response.json<Record<string, string[]>>();
    expect(Object.keys(body)).toEqual([name]);
    expect(body[name]?.[0]).toMatch(message);
    expect((await getConfig(name)).json()).toEqual(before);
  });

  it('rejects an unknown name with 400', async () => {
    const response = await setConfig('no_such_setting', 'x');
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<object>())).toEqual(['name']);
  });

  it('requires a value, rather than quietly storing false or empty', async () => {
    await setConfig('ntp_external_only', 'true');
    const response = await setConfig('ntp_external_only', undefined);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ value: ['This field is required.'] });
    expect((await getConfig('ntp_external_only')).json()).toBe(true);
  });

  it('sets ntp_servers through its old name ntp_server', async () => {
    expect((await setConfig('ntp_server', 'ntp1.lab ntp2.lab')).statusCode).toBe(200);
    expect((await getConfig('ntp_servers')).json()).toBe('ntp1.lab ntp2.lab');
  });

  it('records each change in the audit log', async () => {
    await setConfig('maas_name', 'audited-name');
    const events = await region.request('GET', '/MAAS/api/2.0/events/?op=query&level=AUDIT&limit=1', {
      key: region.adminKey,
    });
    expect(events.json<{ events: { description: string; username: string }[] }>().events[0]).toMatchObject({
      username: 'admin',
      description: "Updated configuration setting 'maas_name' to 'audited-name'.",
    });
  });

  it('keeps the last of many concurrent writes of one setting, without a 500', async () => {
    const values = Array.from({ length: 10 }, (_, i) => `concurrent-${i}`);
    const responses = await Promise.all(values.map((v) => setConfig('maas_name', v)));
    for (const response of responses) expect(response.statusCode).toBe(200);
    expect(values).toContain((await getConfig('maas_name')).json());
  });
});

describe('credential settings (vcenter_password, maas_auto_ipmi_k_g_bmc_key)', () => {
  it('are readable by administrators only', async () => {
    expect((await setConfig('vcenter_password', 'hunter2')).statusCode).toBe(200);
    const asUser = await getConfig('vcenter_password');
    expect(asUser.statusCode).toBe(403);
    expect(asUser.body).not.toContain('hunter2');
    const asAdmin = await getConfig('vcenter_password', region.adminKey);
    expect(asAdmin.json()).toBe('hunter2');
    expect((await getConfig('maas_auto_ipmi_k_g_bmc_key')).statusCode).toBe(403);
  });

  it('never write the value into the audit log', async () => {
    await setConfig('maas_auto_ipmi_k_g_bmc_key', 'kg-secret-value');
    const events = await region.request('GET', '/MAAS/api/2.0/events/?op=query&level=AUDIT&limit=1000', {
      key: region.adminKey,
    });
    expect(events.body).toContain("Updated configuration setting 'maas_auto_ipmi_k_g_bmc_key' to [secret].");
    expect(events.body).not.toContain('kg-secret-value');
    expect(events.body).not.toContain('hunter2');
  });
});

describe('URL settings with credentials (http_proxy, maas_url)', () => {
  afterAll(async () => {
    await setConfig('http_proxy', '');
    await setConfig('maas_url', 'http://localhost:5240/MAAS');
  });

  it('show the password to administrators only', async () => {
    expect((await setConfig('http_proxy', 'http://user:s3cret@proxy.lab:3128/')).statusCode).toBe(200);
    expect((await getConfig('http_proxy', region.adminKey)).json()).toBe(
      'http://user:s3cret@proxy.lab:3128/',
    );
    const asUser = await getConfig('http_proxy');
    expect(asUser.statusCode).toBe(200);
    expect(asUser.json()).toBe('http://user:***@proxy.lab:3128/');
    expect((await setConfig('maas_url', 'http://op:pw@10.0.0.2:5240/MAAS')).statusCode).toBe(200);
    expect((await getConfig('maas_url')).json()).toBe('http://op:***@10.0.0.2:5240/MAAS');
    expect((await getConfig('maas_url', region.adminKey)).json()).toBe('http://op:pw@10.0.0.2:5240/MAAS');
  });

  it('never write the password into the audit log', async () => {
    await setConfig('http_proxy', 'http://user:hunter3@proxy.lab:3128/');
    const events = await region.request('GET', '/MAAS/api/2.0/events/?op=query&level=AUDIT&limit=1000', {
      key: region.adminKey,
    });
    expect(events.body).toContain(
      "Updated configuration setting 'http_proxy' to 'http://user:***@proxy.lab:3128/'.",
    );
    expect(events.body).not.toMatch(/s3cret|hunter3|:pw@/);
  });
});
