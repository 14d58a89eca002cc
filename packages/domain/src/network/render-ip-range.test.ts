import { describe, expect, it } from 'vitest';
import { renderIpRange } from './render-ip-range.js';

describe(renderIpRange, () => {
  it("writes MAAS's range JSON, with or without purposes", () => {
    expect(renderIpRange(4, 0x0a000001n, 0x0a000001n)).toEqual({
      start: '10.0.0.1',
      end: '10.0.0.1',
      num_addresses: 1n,
    });
    expect(renderIpRange(6, 1n, 1n << 64n, ['unused'])).toEqual({
      start: '::1',
      end: '0:0:0:1::',
      num_addresses: 1n << 64n,
      purpose: ['unused'],
    });
  });
});
