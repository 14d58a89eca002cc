import { describe, expect, it } from 'vitest';
import { checkNetworkName } from './network-name.js';

describe(checkNetworkName, () => {
  it('accepts word characters of any script and hyphens', () => {
    for (const name of ['fabric_a', 'dmz-1', 'réseau', 'ネット'])
      expect(checkNetworkName('fabric', name, undefined)).toBeUndefined();
  });

  it("refuses spaces and dots with MAAS's message naming the kind", () => {
    expect(checkNetworkName('fabric', 'a b', undefined)).toBe('Invalid fabric name: a b.');
    expect(checkNetworkName('space', 'a.b', undefined)).toBe('Invalid space name: a.b.');
  });

  it('keeps <kind>-<n> for object n alone', () => {
    expect(checkNetworkName('fabric', 'fabric-3', undefined)).toBe('Reserved fabric name.');
    expect(checkNetworkName('fabric', 'fabric-3', 4)).toBe('Reserved fabric name.');
    expect(checkNetworkName('fabric', 'fabric-3', 3)).toBeUndefined();
    expect(checkNetworkName('space', 'fabric-3', undefined)).toBeUndefined();
  });

  it('reserves "undefined" for the pseudo-space only', () => {
    expect(checkNetworkName('space', 'undefined', 2)).toBe('Reserved space name.');
    expect(checkNetworkName('fabric', 'undefined', 2)).toBeUndefined();
  });
});
