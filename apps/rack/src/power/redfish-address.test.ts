import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { redfishServiceUrl } from './redfish-address.js';

describe(redfishServiceUrl, () => {
  it.each([
    ['10.0.0.5', 'https://10.0.0.5'],
    ['10.0.0.5:8443', 'https://10.0.0.5:8443'],
    [' bmc1.lab ', 'https://bmc1.lab'],
    ['fd00::5', 'https://[fd00::5]'],
    ['[fd00::5]:8443', 'https://[fd00::5]:8443'],
    ['https://bmc1.lab/', 'https://bmc1.lab'],
    ['https://bmc1.lab:443/redfish/v1/', 'https://bmc1.lab'],
    ['http://10.0.0.5:8000', 'http://10.0.0.5:8000'],
  ])('reads %j as %s', (address, origin) => {
    expect(redfishServiceUrl(address).origin).toBe(origin);
  });

  it.each([
    ['', 'is empty'],
    ['ftp://bmc', 'uses ftp'],
    ['https://bmc/some/proxy', 'has a path'],
    ['bmc:notaport', 'is not a host, host:port or https URL'],
  ])('refuses %j: %s', (address, why) => {
    const error = (() => {
      try {
        redfishServiceUrl(address);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'power_settings_invalid' });
    expect((error as Error).message).toContain(why);
    expect((error as AppError).details.fields).toHaveProperty('power_parameters_power_address');
  });

  it('refuses credentials in the address without repeating the password', () => {
    expect(() => redfishServiceUrl('https://root:calvin@10.0.0.5')).toThrow(
      'power_address "https://root:***@10.0.0.5" holds credentials: put them in power_user and power_pass.',
    );
  });
});
