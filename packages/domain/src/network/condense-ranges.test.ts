import { describe, expect, it } from 'vitest';
import { condenseRanges } from './condense-ranges.js';

describe(condenseRanges, () => {
  it('merges overlapping uses and joins their purposes, sorted by name', () => {
    expect(
      condenseRanges([
        { first: 10n, last: 50n, purpose: 'dynamic' },
        { first: 20n, last: 20n, purpose: 'assigned-ip' },
        { first: 1n, last: 1n, purpose: 'gateway-ip' },
      ]),
    ).toEqual([
      { first: 1n, last: 1n, purposes: ['gateway-ip'] },
      { first: 10n, last: 50n, purposes: ['assigned-ip', 'dynamic'] },
    ]);
  });

  it('joins adjacent ranges of the same purposes only', () => {
    expect(
      condenseRanges([
        { first: 3n, last: 3n, purpose: 'assigned-ip' },
        { first: 4n, last: 4n, purpose: 'assigned-ip' },
        { first: 2n, last: 2n, purpose: 'gateway-ip' },
        { first: 5n, last: 9n, purpose: 'reserved' },
      ]),
    ).toEqual([
      { first: 2n, last: 2n, purposes: ['gateway-ip'] },
      { first: 3n, last: 4n, purposes: ['assigned-ip'] },
      { first: 5n, last: 9n, purposes: ['reserved'] },
    ]);
  });

  it('counts the same address twice only once', () => {
    expect(
      condenseRanges([
        { first: 7n, last: 7n, purpose: 'assigned-ip' },
        { first: 7n, last: 7n, purpose: 'assigned-ip' },
        { first: 7n, last: 7n, purpose: 'dns-server' },
      ]),
    ).toEqual([{ first: 7n, last: 7n, purposes: ['assigned-ip', 'dns-server'] }]);
  });

  it('clips to the given bounds and drops what lies outside', () => {
    expect(
      condenseRanges(
        [
          { first: 0n, last: 5n, purpose: 'reserved' },
          { first: 20n, last: 30n, purpose: 'assigned-ip' },
        ],
        { first: 2n, last: 10n },
      ),
    ).toEqual([{ first: 2n, last: 5n, purposes: ['reserved'] }]);
  });
});
