import { describe, expect, it } from 'vitest';
import { clipIntervals } from './clip-intervals.js';

describe(clipIntervals, () => {
  it('keeps the parts inside the bounds', () => {
    expect(
      clipIntervals(
        [
          { first: 0n, last: 5n },
          { first: 7n, last: 8n },
          { first: 9n, last: 20n },
          { first: 30n, last: 40n },
        ],
        { first: 3n, last: 10n },
      ),
    ).toEqual([
      { first: 3n, last: 5n },
      { first: 7n, last: 8n },
      { first: 9n, last: 10n },
    ]);
  });
});
