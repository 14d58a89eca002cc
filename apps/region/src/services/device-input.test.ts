import { describe, expect, it } from 'vitest';
import { checkDeviceInput, macAddressesMessage } from './device-input.js';

describe(checkDeviceInput, () => {
  it('normalises MACs, drops empty ones and makes one interface of a repeated MAC', () => {
    const checked = checkDeviceInput({ macAddresses: ['52-54-00-AA-BB-CC', '', '52:54:00:aa:bb:cc'] }, true);
    expect(checked.macs).toEqual(['52:54:00:aa:bb:cc']);
    expect(checked.problems).toEqual({});
  });

  it('requires a MAC on create only', () => {
    expect(checkDeviceInput({ macAddresses: [''] }, true).problems).toEqual({
      mac_addresses: 'This field is required.',
    });
    expect(checkDeviceInput({}, false).problems).toEqual({});
  });

  it('splits an FQDN hostname; an explicit domain wins over its domain part', () => {
    expect(
      checkDeviceInput({ hostname: 'web.lab.example', macAddresses: ['52:54:00:00:00:01'] }, true),
    ).toMatchObject({
      host: 'web',
      domain: 'lab.example',
    });
    expect(checkDeviceInput({ hostname: 'web.lab.example', domain: 'maas' }, false)).toMatchObject({
      host: 'web',
      domain: 'maas',
    });
  });

  it('replaces an address-based hostname on create, as MAAS does, but keeps it on update', () => {
    expect(
      checkDeviceInput({ hostname: '10-0-0-5', macAddresses: ['52:54:00:00:00:01'] }, true).host,
    ).toBeUndefined();
    expect(checkDeviceInput({ hostname: '10-0-0-5' }, false).host).toBe('10-0-0-5');
  });
});

describe(macAddressesMessage, () => {
  it('gives the message alone for one MAC and MAAS summary for several', () => {
    expect(macAddressesMessage(1, ['bad.'])).toBe('bad.');
    expect(macAddressesMessage(2, ['a.', 'b.'])).toBe('One or more MAC addresses is invalid. (a. \u2014 b.)');
  });

  it('lists ten problems and counts the rest', () => {
    const errors = Array.from({ length: 12 }, (_, i) => `e${String(i)}`);
    expect(macAddressesMessage(12, errors)).toBe(
      `One or more MAC addresses is invalid. (${errors.slice(0, 10).join(' \u2014 ')} and 2 more errors)`,
    );
  });
});
